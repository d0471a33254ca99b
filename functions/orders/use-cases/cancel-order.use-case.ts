/**
 * Cancels an order before anything of it has shipped or been billed.
 * 1. Validate the reason. An order cancelled already is answered as it is; a closed one, or one
 *    with a shipment or an invoice, is a 409: after shipment a cancellation is a credit note and
 *    a refund, never a rollback.
 * 2. The order is cancelled (it takes no more documents), with who, when and why.
 * 3. Its order-to-cash flow is stopped and its compensation started: the ERP sales order, if one
 *    was made — even by a flow stopped mid-call — is cancelled; a credit hold ends with the order.
 */
import { CancelOrderInput } from '#schemas/records/order';
import type { ChangeSource } from '../../records/ports.ts';
import { conflict, parseOrThrow } from '../../shared/errors.ts';
import type { OrderDeps } from '../ports.ts';
import { moveOrder } from './order-flow.ts';
import { loadOrder } from './order-ledger.ts';
import type { Recorded } from './record-shipment.use-case.ts';

export async function cancelOrder(
  deps: OrderDeps,
  orderId: string,
  body: unknown,
  source: ChangeSource,
): Promise<Recorded> {
  const { reason } = parseOrThrow(CancelOrderInput, body);
  const current = await loadOrder(deps, orderId);
  if (current.status === 'cancelled') {
    // Asked again: make sure the compensation runs, and answer the cancelled order.
    await deps.flow?.cancel(orderId, String((current.cancellation as { reason?: string })?.reason ?? reason));
    return { record: current, created: false };
  }
  let cancelled = false;
  const order = await moveOrder(
    deps,
    orderId,
    (order) => {
      if (order.status === 'cancelled') return undefined;
      if (order.status === 'closed')
        throw conflict('order-closed', 'Order closed', `Order ${orderId} is closed; it cannot be cancelled.`);
      if (order.ledger.shipped > 0 || order.ledger.invoiced > 0)
        throw conflict(
          'order-shipped',
          'Order shipped or billed',
          `Order ${orderId} has shipped or been invoiced: credit what is returned and refund what was paid instead.`,
        );
      cancelled = true;
      return {
        fields: {
          status: 'cancelled',
          cancellation: { reason, at: deps.now().toISOString(), by: source.actor.name },
        },
        action: 'cancel',
        summary: `Cancelled by ${source.actor.name}: ${reason}`,
      };
    },
    source,
  );
  await deps.flow?.cancel(orderId, reason);
  return { record: order, created: cancelled };
}
