/**
 * The order-to-cash flow's first step: may the customer owe this much more?
 * 1. Read the order and its account; the account's name is its customer in the ERP.
 * 2. Ask the ERP for the customer's credit limit and what it owes on submitted invoices.
 * 3. Over the limit: the order goes on credit hold, saying by how much, and the flow stops there
 *    for finance. Within it (or no limit): the flow goes on.
 */
import { formatMoney } from '../../shared/html.ts';
import type { OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { moveOrder } from './order-flow.ts';
import { loadOrder } from './order-ledger.ts';

export async function creditCheck(deps: OrderFlowDeps, state: OrderFlowState): Promise<OrderFlowState> {
  const order = await loadOrder(deps, state.orderId);
  const account = await deps.store.get('account', order.accountId);
  const customer = String(account?.name ?? order.accountId);
  const credit = await deps.erp.creditInfo(customer);
  const total = order.ledger.ordered;
  const exposure = credit.outstanding + total;
  const over = credit.limit !== undefined && credit.currency === order.currency && exposure > credit.limit;
  await moveOrder(deps, order.id, (current) => {
    const erp = { ...(current.erp as object | undefined), customer };
    if (!over) return { fields: { erp }, action: 'credit-check', summary: 'Credit check passed' };
    const money = (n: number) => formatMoney(n, order.currency);
    return {
      fields: { erp, status: 'credit_hold' },
      action: 'credit-hold',
      summary: `On credit hold: ${money(credit.outstanding)} owed plus this order's ${money(total)} is over the limit of ${money(credit.limit ?? 0)}`,
    };
  });
  return { ...state, creditHold: over };
}
