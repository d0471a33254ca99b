/**
 * An order over its customer's credit limit waits for finance, in its flow.
 *
 * askCreditRelease (the flow's Credit Hold task, `.waitForTaskToken`):
 * 1. Keep the task token for the order, then read the order: answered meanwhile (released, or
 *    refused and cancelled), the flow is answered at once and nobody is asked.
 * 2. Otherwise ask finance — every active finance user, else the admins — by email, once per
 *    round (a round is a token: a retried task sends nothing twice; a reminder round after the
 *    task's timeout asks again), and note in the order's history whom.
 *
 * decideCreditHold (POST /v1/orders/{id}/credit-decision, finance or admin):
 * 1. Release: the order goes back to pending and on to the ERP. Refuse (with a reason): the
 *    order is cancelled; nothing was sent to the ERP. Either is written with who, when and why.
 * 2. The waiting flow is answered, noting who answered. The same decision again answers the
 *    order as it is (and answers the flow again, in case the first answer was lost); the other
 *    decision, or an order not on hold, is a 409.
 */
import type { Actor } from '#schemas/audit';
import { CreditDecisionInput } from '#schemas/records/order';
import { VersionConflictError } from '#store/errors';
import { tokenDigest } from '#store/execution-links';
import { recordDirectory } from '../../approvals/adapters/record-directory.ts';
import type { DirectoryUser } from '../../approvals/ports.ts';
import type { ChangeSource } from '../../records/ports.ts';
import { stableAuditId } from '../../shared/audit-ids.ts';
import { deliverOnce } from '../../shared/deliver-once.ts';
import { conflict, parseOrThrow } from '../../shared/errors.ts';
import { formatMoney } from '../../shared/html.ts';
import type { OrderDeps, OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { creditHoldEmail } from '../views/credit-hold-email.ts';
import { FLOW_SOURCE, moveOrder } from './order-flow.ts';
import { loadOrder, type OrderRecord } from './order-ledger.ts';
import type { Recorded } from './record-shipment.use-case.ts';

export interface CreditHoldTask {
  state: OrderFlowState;
  taskToken: string;
}

/** Who is asked to release a hold: finance, or the admins where there is no one in finance. */
async function financeUsers(deps: OrderFlowDeps): Promise<DirectoryUser[]> {
  const directory = recordDirectory(deps.store);
  const reachable = (users: DirectoryUser[]) => users.filter((u) => u.active && u.email);
  const finance = reachable(await directory.usersWithRole('finance'));
  return finance.length > 0 ? finance : reachable(await directory.usersWithRole('admin'));
}

export async function askCreditRelease(deps: OrderFlowDeps, task: CreditHoldTask): Promise<void> {
  if (!deps.holds) throw new Error('the order-to-cash tasks have no credit holds store');
  const { orderId } = task.state;
  await deps.holds.keep(orderId, task.taskToken);
  const order = await loadOrder(deps, orderId);
  if (order.status !== 'credit_hold') {
    // Decided before the flow got here: the decision found no token, so answer it now.
    const decision = order.creditDecision as { decision: string; by: string; at: string } | undefined;
    await deps.holds.answer(task.taskToken, order.status !== 'cancelled', {
      outcome: 'success',
      actor: { id: 'order-to-cash', name: decision?.by ?? 'Order-to-cash', kind: 'workflow' },
      channel: 'workflow',
      at: decision?.at ?? deps.now().toISOString(),
      summary: `Already ${order.status === 'cancelled' ? 'cancelled' : 'released'}`,
    });
    return;
  }
  const round = tokenDigest(task.taskToken).slice(0, 16);
  const { billing } = deps;
  const asked = billing ? await financeUsers(deps) : [];
  const account = await deps.store.get('account', order.accountId);
  for (const user of asked) {
    if (!billing) break;
    const email = creditHoldEmail({
      to: user.email,
      name: user.name,
      order,
      customer: String(account?.name ?? order.accountId),
    });
    await deliverOnce({ ...billing, now: deps.now }, `credit-hold#${orderId}#${round}#${user.id}`, { email });
  }
  const summary =
    asked.length > 0
      ? `Finance asked to release or refuse the credit: ${asked.map((u) => u.name).join(', ')}`
      : 'Waiting for finance to release or refuse the credit (no one with an email in finance or admin to ask)';
  try {
    await deps.store.appendHistory('order', {
      id: stableAuditId(String(order.createdAt), `${orderId}#credit-asked#${round}`),
      recordType: 'order',
      recordId: orderId,
      version: order.version,
      action: 'credit-release-requested',
      at: deps.now().toISOString(),
      actor: FLOW_SOURCE.actor,
      channel: FLOW_SOURCE.channel,
      changes: [],
      summary,
    });
  } catch (error) {
    // Written by an earlier attempt of this round.
    if (!(error instanceof VersionConflictError)) throw error;
  }
}

/** Answers the flow waiting on the order's hold, if it waits already (else it reads the order when it does). */
async function answerFlow(deps: OrderDeps, order: OrderRecord, actor: Actor, source: ChangeSource) {
  const token = await deps.holds?.waiting(order.id);
  if (!token || !deps.holds) return;
  const decision = order.creditDecision as { decision: 'release' | 'refuse'; at: string; comment?: string };
  await deps.holds.answer(token, decision.decision === 'release', {
    outcome: 'success',
    actor,
    channel: source.channel,
    at: decision.at,
    summary: decision.decision === 'release' ? 'Credit released' : `Credit refused: ${decision.comment}`,
    href: `/v1/orders/${order.id}/history`,
  });
}

export async function decideCreditHold(
  deps: OrderDeps,
  orderId: string,
  body: unknown,
  source: ChangeSource,
): Promise<Recorded> {
  const input = parseOrThrow(CreditDecisionInput, body);
  let decided = false;
  const order = await moveOrder(
    deps,
    orderId,
    (current) => {
      const earlier = current.creditDecision as { decision: string } | undefined;
      if (current.status !== 'credit_hold') {
        if (earlier?.decision === input.decision) return undefined;
        throw conflict(
          'not-on-credit-hold',
          'Order not on credit hold',
          earlier
            ? `Order ${orderId}'s credit hold was answered already (${earlier.decision}); it is ${current.status}.`
            : `Order ${orderId} is ${current.status}; only an order on credit hold can be released or refused.`,
        );
      }
      decided = true;
      const at = deps.now().toISOString();
      const creditDecision = {
        decision: input.decision,
        by: source.actor.name,
        at,
        ...(input.comment ? { comment: input.comment } : {}),
      };
      const total = formatMoney(current.ledger.ordered, current.currency);
      return input.decision === 'release'
        ? {
            fields: { status: 'pending', creditDecision },
            action: 'credit-released',
            summary: `Credit for ${total} released by ${source.actor.name}${input.comment ? `: ${input.comment}` : ''}`,
          }
        : {
            fields: {
              status: 'cancelled',
              creditDecision,
              cancellation: { reason: `Credit refused: ${input.comment}`, at, by: source.actor.name },
            },
            action: 'credit-refused',
            summary: `Credit for ${total} refused by ${source.actor.name}: ${input.comment}; the order is cancelled`,
          };
    },
    source,
  );
  await answerFlow(deps, order, source.actor, source);
  return { record: order, created: decided };
}
