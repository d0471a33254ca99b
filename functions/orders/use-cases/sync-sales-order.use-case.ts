/**
 * Puts the order into the ERP as a submitted sales order, once.
 * 1. The order id is the sales order's reference: a retry — even after an answer lost when the
 *    ERP had already committed — finds the sales order the first attempt made (connectors/erp/).
 * 2. The order is confirmed, naming its sales order — unless it was cancelled while the call was
 *    in flight (its flow stopped, this invocation still running): then this call undoes what it
 *    made, cancelling the sales order, so a late answer never leaves a live order in the ERP nor
 *    brings a cancelled one back.
 */
import { invalidFields } from '../../shared/errors.ts';
import type { OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { compensateOrder } from './compensate-order.use-case.ts';
import { moveOrder } from './order-flow.ts';
import { loadOrder } from './order-ledger.ts';

interface StoredLine {
  sku?: string;
  quantity: number;
  total: number;
}

export async function syncSalesOrder(deps: OrderFlowDeps, state: OrderFlowState): Promise<OrderFlowState> {
  const order = await loadOrder(deps, state.orderId);
  if (order.status === 'cancelled') return state;
  const lines = order.lines as StoredLine[];
  const unknown = lines.findIndex((l) => !l.sku);
  if (unknown >= 0)
    throw invalidFields([
      {
        pointer: `/lines/${unknown}`,
        detail: 'a line without a product has no item in the ERP',
        code: 'no_erp_item',
      },
    ]);
  const customer = String((order.erp as { customer?: string } | undefined)?.customer ?? order.accountId);
  const salesOrder = await deps.erp.createSalesOrder({
    reference: order.id,
    customer,
    currency: order.currency,
    // Gross per unit (tax and discounts in), so the ERP's total is the order's, to the cent.
    lines: lines.map((l) => ({
      itemCode: l.sku as string,
      quantity: l.quantity,
      rate: Math.round(l.total / l.quantity),
    })),
  });
  const latest = await loadOrder(deps, order.id);
  if (latest.status === 'cancelled') {
    await compensateOrder(deps, state);
    return state;
  }
  await moveOrder(deps, order.id, (current) =>
    current.status === 'confirmed' || current.status === 'cancelled'
      ? undefined
      : {
          fields: {
            status: 'confirmed',
            erp: { ...(current.erp as object | undefined), salesOrder: salesOrder.name },
          },
          action: 'confirm',
          summary: `Confirmed: sales order ${salesOrder.name} in the ERP`,
        },
  );
  return { ...state, salesOrder: salesOrder.name };
}
