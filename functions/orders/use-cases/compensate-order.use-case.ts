/**
 * The ERP side of a cancellation, run by the order-cancellation workflow (twice, minutes apart,
 * so a sales order created by a call the stopped flow still had in flight is caught too):
 * 1. find the sales order made with the order's id as its reference, whatever the order noted;
 * 2. cancel the ERP invoices of the order's (voided) invoices first — the ERP refuses to cancel a
 *    sales order that submitted invoices link to — then the sales order (a cancelled one is left as
 *    it is; one the ERP has shipped against is refused: the ERP shipped what Junction cancelled,
 *    and a person must sort it out);
 * 3. note on the order what was undone, once.
 */
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { moveOrder } from './order-flow.ts';
import { loadOrder } from './order-ledger.ts';

export async function compensateOrder(deps: OrderFlowDeps, state: OrderFlowState): Promise<OrderFlowState> {
  const order = await loadOrder(deps, state.orderId);
  if (order.status !== 'cancelled') throw new Error(`order ${order.id} is ${order.status}, not cancelled`);
  const invoices = await deps.store.list(RECORD_TYPES.invoice, {
    filters: [{ field: 'orderId', value: order.id, index: 'byOrder' }],
    limit: 100,
    includeArchived: false,
  });
  for (const invoice of invoices.items)
    if (invoice.kind === 'invoice' && typeof invoice.erpRef === 'string')
      await deps.erp.cancelInvoice(invoice.erpRef);
  const salesOrder = await deps.erp.findSalesOrder(order.id);
  if (salesOrder) await deps.erp.cancelSalesOrder(salesOrder.name);
  await moveOrder(deps, order.id, (current) => {
    const erp = (current.erp ?? {}) as { salesOrder?: string; cancelled?: boolean };
    if (erp.cancelled && (!salesOrder || erp.salesOrder === salesOrder.name)) return undefined;
    return {
      fields: { erp: { ...erp, ...(salesOrder ? { salesOrder: salesOrder.name } : {}), cancelled: true } },
      action: 'compensate',
      summary: salesOrder
        ? `Sales order ${salesOrder.name} cancelled in the ERP`
        : 'Nothing to undo in the ERP: no sales order was made',
    };
  });
  return state;
}
