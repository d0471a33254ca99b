/**
 * Whether the order is paid: everything billed and nothing outstanding. A paid order is closed;
 * otherwise the flow looks again later, sooner after a payment came in (../domain/polling.ts).
 */
import { standing } from '../domain/ledger.ts';
import { nextPollSeconds } from '../domain/polling.ts';
import type { OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { moveOrder } from './order-flow.ts';

export async function checkPaid(deps: OrderFlowDeps, state: OrderFlowState): Promise<OrderFlowState> {
  const order = await moveOrder(deps, state.orderId, (current) => {
    const now = standing(current.ledger);
    const paid = now.billing === 'billed' && (now.payment === 'paid' || now.payment === 'overpaid');
    return paid && current.status !== 'closed'
      ? { fields: { status: 'closed' }, action: 'close', summary: 'Closed: shipped, billed and paid' }
      : undefined;
  });
  const paid = order.status === 'closed';
  // Money came in since the last look: the ledger's paid total moved.
  const progressed = order.ledger.paid !== (state.lastPaid ?? 0);
  return {
    ...state,
    paid,
    lastPaid: order.ledger.paid,
    pollSeconds: nextPollSeconds(state.pollSeconds, progressed),
  };
}
