import type { ApprovalRun, ApprovalStep, TimerAction } from '#store/approval-store';
import { cannotApprove, requiredApprovals, whoAnswersFor } from '../domain/approval-plan.ts';
import {
  afterEscalation,
  afterReminder,
  afterRenewal,
  dueAction,
  openingSchedule,
  type Scheduled,
  type StepTimeout,
} from '../domain/step-timer.ts';
import type { Directory, FlowDeps } from '../ports.ts';
import type { AskKind } from '../views/approval-messages.ts';
import {
  appendFlowHistory,
  type FlowRequest,
  liveRequests,
  loadRun,
  loadStep,
  quoteSummary,
} from './approval-flow.ts';
import { type AskContext, type AskTarget, askApprover, askContext } from './ask-approver.ts';

export interface TimeoutInput {
  approvalId: string;
  stepIndex: number;
  round: number;
}

export interface TimeoutResult extends TimeoutInput {
  timeoutSeconds: number;
  action: 'wait' | 'approved' | 'rejected';
}

const hoursText = (hours: number) => `${Number(hours.toFixed(2))} h`;

/**
 * What happens when an open step's wait runs out (the `States.Timeout` of Request Decisions).
 * 1. A step settled in the meantime answers its outcome; a timeout already handled (a retried
 *    invocation) answers what it answered then.
 * 2. Otherwise the step's timer says what is due (./step-timer.ts):
 *    - renew: the links expired before the policy's wait did; every open request gets a fresh one;
 *    - remind: every open request is sent again, with a fresh link (the old one closes);
 *    - escalate: every open request goes to the approver's manager (or whoever stands in for
 *      them), the old one closing as replaced; with nobody above, the approver is reminded;
 *    - auto-approve / auto-reject: the step is settled so, and the history says it was the timeout;
 *    - expire: nobody decided while links were valid and nothing is left to try: the step expires,
 *      which rejects the run's outcome (the quote goes back to draft, see finish-approval).
 * 3. Answer the next round with its wait, or the step's outcome.
 */
export async function handleTimeout(deps: FlowDeps, input: TimeoutInput): Promise<TimeoutResult> {
  const answer = (action: TimeoutResult['action'], timeoutSeconds = 0): TimeoutResult => ({
    approvalId: input.approvalId,
    stepIndex: input.stepIndex,
    round: input.round + 1,
    timeoutSeconds,
    action,
  });
  const run = await loadRun(deps.approvals, input.approvalId);
  if (run.status !== 'pending') return answer('rejected');
  const step = await loadStep(deps.approvals, input.approvalId, input.stepIndex);
  if (step.lastTimeout?.round === input.round) {
    // A retry: the step was settled by this timeout, or its wait was answered. Finish what a
    // settling attempt may have left undone (closing links, the history entry), then answer alike.
    if (step.settledBy === 'timeout')
      await settleByTimeout(
        deps,
        await askContext(deps, run, step),
        TIMEOUT_ACTION[step.status] ?? 'expire',
        input.round,
      );
    return answer(step.lastTimeout.action, step.lastTimeout.timeoutSeconds);
  }
  if (step.status !== 'open') return answer(step.status === 'approved' ? 'approved' : 'rejected');

  const timer = step.timer ?? openingSchedule(step.timeout, run.linkValidityHours).timer;
  const due = dueAction(timer);
  const ctx = await askContext(deps, run, step);

  if (due === 'auto-approve' || due === 'auto-reject' || due === 'expire')
    return answer(await settleByTimeout(deps, ctx, due, input.round));

  let next: Scheduled;
  const fields: Partial<ApprovalStep> = {};
  if (due === 'renew') {
    await replaceOpen(deps, ctx, input.round, async () => 'renewal');
    next = afterRenewal(timer, run.linkValidityHours);
  } else if (due === 'remind') {
    const sent = step.reminders + 1;
    await replaceOpen(deps, ctx, input.round, async () => 'reminder', sent);
    next = afterReminder(timeoutOf(step), sent, run.linkValidityHours);
    fields.reminders = sent;
  } else {
    const escalated = await escalateOpen(deps, ctx, input.round);
    next = afterEscalation(timeoutOf(step), escalated, run.linkValidityHours);
    if (escalated) fields.escalations = step.escalations + 1;
    fields.required = await requiredNow(deps, step);
  }
  const result = answer('wait', next.timeoutSeconds);
  const saved = await deps.approvals.setStepFields(
    run.id,
    step.index,
    {
      ...fields,
      timer: next.timer,
      lastTimeout: { round: input.round, timeoutSeconds: result.timeoutSeconds, action: 'wait' },
    },
    'open',
  );
  if (saved) return result;
  // Settled by a decision while this ran: that outcome wins.
  const settled = await loadStep(deps.approvals, run.id, step.index);
  return answer(settled.status === 'approved' ? 'approved' : 'rejected');
}

function timeoutOf(step: ApprovalStep): StepTimeout {
  if (!step.timeout) throw new Error(`step ${step.index} of ${step.approvalId} has no timeout to act on`);
  return step.timeout;
}

/** The open requests this round found, each replaced by a new one of the kind `kindFor` picks. */
async function replaceOpen(
  deps: FlowDeps,
  ctx: AskContext,
  round: number,
  kindFor: (request: FlowRequest) => Promise<AskKind | AskTarget>,
  reminder?: number,
): Promise<number> {
  const requests = (await deps.approvals.requests(ctx.run.id, ctx.step.index)) as FlowRequest[];
  const directory = deps.directory();
  let replaced = 0;
  for (const old of requests.filter((r) => r.status === 'open' && (r.round ?? 0) <= round)) {
    // A retried invocation finds the replacement it already sent, and only closes the old one.
    const replacements = requests.filter((r) => r.replaces === old.linkHash);
    const done = replacements.some((r) => r.sentAt);
    if (!done) {
      const how = await kindFor(old);
      const kind = typeof how === 'string' ? how : 'escalation';
      let target: AskTarget | undefined = typeof how === 'string' ? undefined : how;
      if (!target) {
        const user = await directory.user(old.approverId);
        if (!user) continue;
        target = {
          user,
          reason: old.reason,
          ...(old.onBehalfOf ? { onBehalfOf: old.onBehalfOf } : {}),
        };
      }
      // A replacement an earlier attempt stored is resumed (same link, only unsent channels);
      // any other unsent one would count as an approver nobody asked.
      const sent = await askApprover(deps, ctx, target, kind, {
        round: round + 1,
        replaces: old.linkHash,
        ...(kind === 'reminder' && reminder ? { reminder } : {}),
      });
      await deps.approvals.closeRequests(
        replacements.filter((r) => r.status === 'open' && r.linkHash !== sent.linkHash),
        'replaced',
      );
    }
    await deps.approvals.closeRequests([old], 'replaced');
    replaced++;
  }
  return replaced;
}

/** Escalates every open request one level up; answers whether anyone new was asked. */
async function escalateOpen(deps: FlowDeps, ctx: AskContext, round: number): Promise<boolean> {
  const directory = deps.directory();
  const before = (await deps.approvals.requests(ctx.run.id, ctx.step.index)) as FlowRequest[];
  const taken = new Set(liveRequests(before).map((r) => r.approverId));
  const afterHours = ctx.step.timeout ? hoursText(ctx.step.timeout.afterHours) : 'the time allowed';
  await replaceOpen(deps, ctx, round, async (old) => {
    const target = await escalationTarget(directory, ctx.run, old, afterHours, taken, deps.now());
    if (!target) return 'reminder';
    taken.add(target.user.id);
    return target;
  });
  // Read back rather than counted above, so a retried invocation that finds its work done agrees.
  const after = (await deps.approvals.requests(ctx.run.id, ctx.step.index)) as FlowRequest[];
  const byHash = new Map(after.map((r) => [r.linkHash, r]));
  return after.some(
    (r) => (r.round ?? 0) === round + 1 && r.replaces && byHash.get(r.replaces)?.approverId !== r.approverId,
  );
}

/**
 * The manager of the person a request was for (whoever stands in for them while away), else the
 * policy's fallback approver — never the submitter, nor someone the step already asks.
 */
async function escalationTarget(
  directory: Directory,
  run: ApprovalRun,
  old: FlowRequest,
  afterHours: string,
  taken: Set<string>,
  now: Date,
): Promise<AskTarget | undefined> {
  const person = await directory.user(old.onBehalfOf?.userId ?? old.approverId);
  const usable = async (userId: string | undefined, reason: string) => {
    const user = userId ? await directory.user(userId) : undefined;
    if (!user) return undefined;
    const answer = await whoAnswersFor(directory, user, reason, now);
    if (!('asked' in answer)) return undefined;
    const { asked } = answer;
    if (cannotApprove(run).has(asked.userId) || taken.has(asked.userId)) return undefined;
    const resolved = await directory.user(asked.userId);
    return resolved
      ? {
          user: resolved,
          reason: asked.reason,
          ...(asked.onBehalfOf ? { onBehalfOf: asked.onBehalfOf } : {}),
        }
      : undefined;
  };
  const who = person?.name ?? old.approverName;
  const manager = person?.managerId ? await directory.user(person.managerId) : undefined;
  return (
    (await usable(
      manager?.id,
      `escalated: ${old.approverName} did not answer within ${afterHours}; ${manager?.name} is the manager of ${who}`,
    )) ??
    (await usable(
      run.fallbackApproverId,
      `escalated to the fallback approver: ${old.approverName} did not answer within ${afterHours} and nobody above ${who} can be asked`,
    ))
  );
}

/** Approvals that settle the step now that escalation may have merged two approvers into one. */
async function requiredNow(deps: FlowDeps, step: ApprovalStep): Promise<number> {
  const requests = liveRequests(await deps.approvals.requests(step.approvalId, step.index));
  const people = new Set(requests.map((r) => r.approverId)).size;
  if (step.mode === 'quorum')
    return requiredApprovals({ type: 'quorum', count: step.quorum ?? step.required }, people);
  return requiredApprovals({ type: step.mode as 'any' | 'all' }, people);
}

/** The timeout action that settled a step, from the status it left. */
const TIMEOUT_ACTION: Partial<Record<ApprovalStep['status'], 'auto-approve' | 'auto-reject' | 'expire'>> = {
  approved: 'auto-approve',
  rejected: 'auto-reject',
  expired: 'expire',
};

const SETTLE: Record<
  'auto-approve' | 'auto-reject' | 'expire',
  { status: 'approved' | 'rejected' | 'expired'; verb: string }
> = {
  'auto-approve': { status: 'approved', verb: 'approved automatically' },
  'auto-reject': { status: 'rejected', verb: 'rejected automatically' },
  expire: { status: 'expired', verb: 'expired' },
};

/**
 * Settles the step because time ran out — conditional on it still being open, so a decision that
 * got there first wins — closes its open requests, and says so in the quote's history.
 */
async function settleByTimeout(
  deps: FlowDeps,
  ctx: AskContext,
  action: Extract<TimerAction, 'auto-approve' | 'auto-reject' | 'expire'>,
  round: number,
): Promise<'approved' | 'rejected'> {
  const { run, step } = ctx;
  const { status, verb } = SETTLE[action];
  const at = deps.now().toISOString();
  const outcome = status === 'approved' ? 'approved' : 'rejected';
  const won = await deps.approvals.setStepFields(
    run.id,
    step.index,
    {
      status,
      settledAt: at,
      settledBy: 'timeout',
      lastTimeout: { round, timeoutSeconds: 0, action: outcome },
    },
    'open',
  );
  const current = await loadStep(deps.approvals, run.id, step.index);
  if (!won && current.settledBy !== 'timeout') return current.status === 'approved' ? 'approved' : 'rejected';
  await deps.approvals.closeRequests(
    await deps.approvals.requests(run.id, step.index),
    status === 'expired' ? 'expired' : 'step-settled',
  );
  const why =
    action === 'expire'
      ? `nobody decided while the links were valid${step.reminders ? ` (${step.reminders} reminder${step.reminders > 1 ? 's' : ''} sent)` : ''}${step.escalations ? ` (escalated ${step.escalations}×)` : ''}`
      : `nobody decided within ${hoursText(step.timeout?.afterHours ?? 0)}, and the policy says so`;
  const { quote } = await quoteSummary(deps.records, run);
  await appendFlowHistory(
    deps.records,
    { id: quote.id, version: quote.version },
    {
      key: `${run.id}#${step.index}#timeout`,
      at: current.settledAt ?? at,
      action: `approval-step-${status}`,
      channel: 'workflow',
      summary: `Step ${ctx.stepNumber} “${step.name}” ${verb}: ${why}`,
      context: { approvalId: run.id, stepIndex: step.index, settledBy: 'timeout' },
    },
  );
  return outcome;
}
