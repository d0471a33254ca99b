/**
 * Cancels an order before anything of it has shipped or been paid.
 * 1. Validate the reason. An order cancelled already is answered as it is; a closed one, or one
 *    with a shipment or money received, is a 409: after shipment a cancellation is a credit note
 *    and a refund, never a rollback.
 * 2. Each invoice issued ahead of shipment is voided: credited in full by a credit note giving
 *    the cancellation as its reason, so the ledger and the invoice's history say what happened.
 *    A retried cancellation finds them credited and issues nothing twice.
 * 3. The order is cancelled (it takes no more documents), with who, when and why.
 * 4. Its order-to-cash flow is stopped and its compensation started: the ERP invoices and the
 *    sales order, if they were made — even by a flow stopped mid-call — are cancelled; a credit
 *    hold ends with the order.
 */
import { CancelOrderInput } from '#schemas/records/order';
import type { ChangeSource } from '../../records/ports.ts';
import { conflict, parseOrThrow } from '../../shared/errors.ts';
import type { OrderDeps } from '../ports.ts';
import { issueCreditNote } from './issue-credit-note.use-case.ts';
import { moveOrder } from './order-flow.ts';
import { loadOrder, type OrderRecord } from './order-ledger.ts';
import type { Recorded } from './record-shipment.use-case.ts';

/** After shipment or payment a cancellation is a credit note and a refund, never a rollback. */
function refuseIfMoved(order: OrderRecord) {
  if (order.status === 'closed')
    throw conflict('order-closed', 'Order closed', `Order ${order.id} is closed; it cannot be cancelled.`);
  if (order.ledger.shipped > 0 || order.ledger.paid > 0)
    throw conflict(
      'order-shipped',
      'Order shipped or paid',
      `Order ${order.id} has shipped or been paid: credit what is returned and refund what was paid instead.`,
    );
}

/** Credits in full every invoice of the order with something left to credit. */
async function voidInvoices(deps: OrderDeps, order: OrderRecord, reason: string, source: ChangeSource) {
  for (const [invoiceId, balance] of Object.entries(order.ledger.invoices)) {
    const lines = Object.entries(balance.lines)
      .map(([line, units]) => ({ line: Number(line), quantity: units - (balance.creditedLines[line] ?? 0) }))
      .filter((l) => l.quantity > 0);
    if (lines.length === 0) continue;
    await issueCreditNote(
      deps,
      invoiceId,
      { lines, reason: `Order cancelled: ${reason}`.slice(0, 500) },
      source,
    );
  }
}

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
  refuseIfMoved(current);
  await voidInvoices(deps, current, reason, source);
  let cancelled = false;
  const order = await moveOrder(
    deps,
    orderId,
    (order) => {
      if (order.status === 'cancelled') return undefined;
      refuseIfMoved(order);
      if (order.ledger.invoiced - order.ledger.credited > 0)
        throw conflict(
          'order-billed-meanwhile',
          'Order billed meanwhile',
          `An invoice of order ${orderId} was issued while it was being cancelled; ask again to void it too.`,
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
