/**
 * Whether the order is paid: everything billed and nothing outstanding. A paid order is closed.
 */
import { standing } from '../domain/ledger.ts';
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
  return { ...state, paid: order.status === 'closed' };
}
