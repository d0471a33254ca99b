import type { StepApprover } from '#store/approval-store';
import { cannotApprove, requiredApprovals, whoAnswersFor } from '../domain/approval-plan.ts';
import type { Directory, FlowDeps, StepOutcome } from '../ports.ts';
import { type FlowRequest, liveRequests, loadRun, loadStep } from './approval-flow.ts';
import { type AskContext, type AskTarget, askApprover, askContext } from './ask-approver.ts';
import { settleIfDecided } from './settle-step.ts';

export interface RequestDecisionsInput {
  approvalId: string;
  stepIndex: number;
  round: number;
  taskToken: string;
}

/**
 * The task the workflow waits on while a step is open (`.waitForTaskToken`).
 * 1. Hand the step the workflow's current task token: whoever settles the step answers it.
 * 2. In the step's first round, ask each approver planned at submit, by email and SMS. Who
 *    answers for them is checked again now, so an absence that began since the submit sends the
 *    request to the delegate (on the approver's behalf). A retried invocation asks nobody twice:
 *    approvers whose request went out are skipped, and a request whose sending was cut short is
 *    resumed from the outbox (same link; only the channels not yet sent go out). Later rounds ask nobody here (reminders and escalations are the timeout's work).
 * 3. Settle the step if its decisions already decide it: they may have come in while no token
 *    was current (between rounds), and then this is what tells the workflow.
 */
export async function requestDecisions(
  deps: FlowDeps,
  input: RequestDecisionsInput,
): Promise<{ asked: number; outcome?: StepOutcome }> {
  const run = await loadRun(deps.approvals, input.approvalId);
  // Recalled or finished: the execution is being stopped, and nobody may be asked any more.
  if (run.status !== 'pending') return { asked: 0 };
  const step = await loadStep(deps.approvals, input.approvalId, input.stepIndex);
  await deps.approvals.setStepFields(input.approvalId, input.stepIndex, { taskToken: input.taskToken });

  let asked = 0;
  if (input.round === 0 && step.status === 'open') {
    asked = await askPlanned(deps, await askContext(deps, run, { ...step, taskToken: input.taskToken }));
  }
  const outcome = await settleIfDecided(deps, input.approvalId, input.stepIndex);
  return { asked, ...(outcome ? { outcome } : {}) };
}

/** Whom a planned approver's request is for: the approver, or whom a planned delegate stands in for. */
const principalOf = (a: { userId?: string; approverId?: string; onBehalfOf?: { userId: string } }) =>
  a.onBehalfOf?.userId ?? a.userId ?? a.approverId;

async function askPlanned(deps: FlowDeps, ctx: AskContext): Promise<number> {
  const { run, step } = ctx;
  const directory = deps.directory();
  const now = deps.now();
  const existing = (await deps.approvals.requests(run.id, step.index)) as FlowRequest[];
  // Who is asked already: requests that went out (an unsent one is replaced below).
  const askedNow = new Set(
    liveRequests(existing)
      .filter((r) => r.sentAt || r.status !== 'open')
      .map((r) => r.approverId),
  );
  const notAsked: string[] = [];
  let asked = 0;

  for (const planned of step.approvers ?? []) {
    const principal = principalOf(planned);
    const mine = existing.filter((r) => principalOf(r) === principal && (r.round ?? 0) === 0);
    if (mine.some((r) => r.sentAt)) continue;
    const unsent = mine.filter((r) => r.status === 'open');
    const target = await currentTarget(directory, planned, cannotApprove(run), now);
    if ('unresolved' in target || askedNow.has(target.user.id)) {
      // Stored by an earlier attempt but now nobody's to answer: it must not count as an approver.
      await deps.approvals.closeRequests(unsent, 'replaced');
      if ('unresolved' in target) notAsked.push(target.unresolved);
      continue;
    }
    // An earlier attempt's unsent request for this approver is resumed (same link), not replaced.
    const sent = await askApprover(deps, ctx, target, 'request', { round: 0 });
    await deps.approvals.closeRequests(
      unsent.filter((r) => r.linkHash !== sent.linkHash),
      'replaced',
    );
    askedNow.add(sent.approverId);
    asked++;
  }

  if (askedNow.size === 0) {
    // Everyone planned has left (inactive, archived) since the submit: the policy's fallback answers.
    const fallback = run.fallbackApproverId ? await directory.user(run.fallbackApproverId) : undefined;
    if (!fallback?.active || cannotApprove(run).has(fallback.id))
      throw new Error(`Nobody can be asked at step ${step.index}: ${notAsked.join('; ')}`);
    const sent = await askApprover(
      deps,
      ctx,
      { user: fallback, reason: `fallback: ${notAsked.join('; ') || 'no approver could be asked'}` },
      'request',
      { round: 0 },
    );
    askedNow.add(sent.approverId);
    asked++;
  }

  // Two planned approvers may now resolve to one person (a delegate who is also an approver):
  // "all" and quorum steps must not wait for approvals nobody can give.
  const required = requiredApprovals(
    step.mode === 'quorum'
      ? { type: 'quorum', count: step.quorum ?? step.required }
      : { type: step.mode as 'any' | 'all' },
    askedNow.size,
  );
  if (required !== step.required)
    await deps.approvals.setStepFields(run.id, step.index, { required }, 'open');
  return asked;
}

/**
 * Who answers for a planned approver now. A delegate planned at submit stays asked while active;
 * an approver who has gone out of office since is represented by their delegate. An approver who
 * is away without a delegate is still asked (better than nobody); one who left is not.
 */
async function currentTarget(
  directory: Directory,
  planned: StepApprover,
  excluded: Set<string>,
  now: Date,
): Promise<AskTarget | { unresolved: string }> {
  const user = await directory.user(planned.userId);
  if (!user?.active) return { unresolved: `${planned.name} (${planned.reason}) is no longer active` };
  if (excluded.has(user.id))
    return {
      unresolved: `${planned.name} (${planned.reason}) submitted or owns the quote and cannot approve it`,
    };
  if (planned.onBehalfOf) return { user, reason: planned.reason, onBehalfOf: planned.onBehalfOf };
  const answer = await whoAnswersFor(directory, user, planned.reason, now);
  if ('asked' in answer && answer.asked.onBehalfOf && !excluded.has(answer.asked.userId)) {
    const delegate = await directory.user(answer.asked.userId);
    if (delegate) return { user: delegate, reason: answer.asked.reason, onBehalfOf: answer.asked.onBehalfOf };
  }
  return { user, reason: planned.reason };
}
