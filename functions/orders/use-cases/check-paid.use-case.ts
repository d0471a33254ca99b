/**
 * Brings the order's payments and refunds into the ERP, and closes a paid order.
 * 1. Each payment or refund recorded in Junction (a bank notification, finance) and not yet in
 *    the ERP becomes a payment entry there against the invoice's ERP invoice, the payment id as
 *    its reference, so a retry never books it twice.
 * 2. Paid — everything billed, nothing outstanding (an overpaid order waits for its refund),
 *    every payment in the ERP — the order is closed; otherwise the reminders due on its invoices
 *    go out (./dunning.ts) and the flow looks again later: sooner after money moved
 *    (../domain/polling.ts), and no later than the next reminder falls.
 */

import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { standing } from '../domain/ledger.ts';
import { nextPollSeconds } from '../domain/polling.ts';
import type { OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { dunOrder } from './dunning.ts';
import { moveOrder, noteErpRef } from './order-flow.ts';

async function pushPayments(deps: OrderFlowDeps, orderId: string): Promise<boolean> {
  let allInErp = true;
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(RECORD_TYPES.payment, {
      filters: [{ field: 'orderId', value: orderId, index: 'byOrder' }],
      limit: 100,
      includeArchived: false,
      ...(cursor ? { cursor } : {}),
    });
    for (const payment of page.items) {
      if (payment.erpRef) continue;
      const invoice = await deps.store.get('invoice', String(payment.invoiceId));
      if (typeof invoice?.erpRef !== 'string') {
        allInErp = false;
        continue;
      }
      const entry = await deps.erp.recordPayment({
        reference: payment.id,
        invoice: invoice.erpRef,
        amount: Number(payment.amount),
        currency: String(payment.currency),
        direction: payment.kind === 'refund' ? 'refund' : 'receive',
      });
      await noteErpRef(deps, 'payment', payment.id, entry.name);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return allInErp;
}

export async function checkPaid(deps: OrderFlowDeps, state: OrderFlowState): Promise<OrderFlowState> {
  const inErp = await pushPayments(deps, state.orderId);
  const order = await moveOrder(deps, state.orderId, (current) => {
    const now = standing(current.ledger);
    // Overpaid stays open: the excess is refunded (or credited) first, so the books close at zero.
    const paid = inErp && now.billing === 'billed' && now.payment === 'paid';
    return paid && current.status !== 'closed'
      ? { fields: { status: 'closed' }, action: 'close', summary: 'Closed: shipped, billed and paid' }
      : undefined;
  });
  const paid = order.status === 'closed';
  // Money came in since the last look: the ledger's paid total moved.
  const progressed = order.ledger.paid !== (state.lastPaid ?? 0);
  let pollSeconds = nextPollSeconds(state.pollSeconds, progressed);
  if (!paid) {
    const nextReminder = await dunOrder(deps, order);
    if (nextReminder)
      pollSeconds = Math.max(
        1,
        Math.min(pollSeconds, Math.ceil((nextReminder.getTime() - deps.now().getTime()) / 1000)),
      );
  }
  return { ...state, paid, lastPaid: order.ledger.paid, pollSeconds };
}
