/**
 * Settles an approval step from its decisions, and tells the waiting workflow.
 *
 * Whoever learns that a step may be decided calls settleIfDecided: the decision page and the SMS
 * reply after recording a decision, and the workflow each time it stores a new task token (a
 * decision may have arrived while no token was current). Only one caller wins the conditional
 * write that settles the step; every caller that finds the step settled makes sure the rest is
 * done — other requests closed, the audit entry written, the outcome sent with the token the
 * step holds now — so a crash or a replaced token between those steps is repaired by the next
 * call, and none of them takes effect twice.
 */
import type { ApprovalRequest } from '#schemas/approval';
import type { AuditEntry } from '#schemas/audit';
import type { ApprovalStep } from '#store/approval-store';
import { VersionConflictError } from '#store/errors';
import { stableAuditId } from '../../shared/audit-ids.ts';
import type { SettleDeps, StepOutcome } from '../ports.ts';

const isSettled = (status: ApprovalStep['status']): status is StepOutcome =>
  status === 'approved' || status === 'rejected';

/** The requests whose approvers count: one escalated or delegated away was replaced by another. */
const counted = (requests: ApprovalRequest[]) =>
  requests.filter((r) => !(r.status === 'closed' && r.closedReason === 'replaced'));

/**
 * any: the first decision decides; all: every approver must approve, one reject rejects;
 * quorum N: approved at N approvals, rejected once N can no longer be reached. Requests closed
 * as 'replaced' (escalated/delegated away) do not count as approvers.
 */
export function outcomeOf(step: ApprovalStep, requests: ApprovalRequest[]): StepOutcome | undefined {
  const approvers = counted(requests);
  const decided = approvers.filter((r) => r.status === 'decided' && r.decision);
  const approvals = decided.filter((r) => r.decision === 'approve').length;
  const rejections = decided.length - approvals;
  switch (step.mode) {
    case 'any': {
      if (decided.length === 0) return undefined;
      // The step's decision list is in commit order: it breaks ties between equal timestamps.
      const order = (r: ApprovalRequest) =>
        step.decisions.findIndex((d) => d.approverId === r.approverId && d.at === r.decidedAt);
      const first = [...decided].sort(
        (a, b) => (a.decidedAt ?? '').localeCompare(b.decidedAt ?? '') || order(a) - order(b),
      )[0];
      return first?.decision === 'approve' ? 'approved' : 'rejected';
    }
    case 'all': {
      if (rejections > 0) return 'rejected';
      // `required` is the number of approvers asked; it guards against counting only the
      // requests that exist so far.
      const needed = Math.max(step.required, approvers.length, 1);
      return approvals >= needed ? 'approved' : undefined;
    }
    case 'quorum': {
      const needed = Math.max(step.required, 1);
      if (approvals >= needed) return 'approved';
      const stillPossible = approvers.filter((r) => r.status === 'open').length;
      return approvals + stillPossible < needed ? 'rejected' : undefined;
    }
    default:
      throw new Error(`unknown approval mode "${step.mode}" on step ${step.index} of ${step.approvalId}`);
  }
}

/**
 * If the step is open and its decisions settle it: marks it settled (conditional on 'open', so
 * only one caller wins), closes its other open requests ('step-settled'), appends the audit
 * entry, and sends SendTaskSuccess({outcome}) with the step's current task token. If the step is
 * already settled and still has a token, re-sends its outcome (the workflow may have missed it
 * while the token was being replaced). Returns the outcome or undefined.
 */
export async function settleIfDecided(
  deps: SettleDeps,
  approvalId: string,
  stepIndex: number,
): Promise<StepOutcome | undefined> {
  let step = await deps.approvals.step(approvalId, stepIndex);
  if (!step) return undefined;
  if (step.status === 'open') {
    const requests = await deps.approvals.requests(approvalId, stepIndex);
    const outcome = outcomeOf(step, requests);
    if (!outcome) return undefined;
    await deps.approvals.setStepFields(
      approvalId,
      stepIndex,
      { status: outcome, settledAt: deps.now().toISOString() },
      'open',
    );
    // Won or lost, read again: the token may have been replaced meanwhile, and a loser may
    // have lost to a caller that crashed before finishing.
    step = await deps.approvals.step(approvalId, stepIndex);
    if (!step) return undefined;
  }
  if (!isSettled(step.status)) return undefined;
  await finishSettlement(deps, step, step.status);
  return step.status;
}

/** Everything that follows a settled step; each part is idempotent. */
async function finishSettlement(deps: SettleDeps, step: ApprovalStep, outcome: StepOutcome): Promise<void> {
  const requests = await deps.approvals.requests(step.approvalId, step.index);
  await deps.approvals.closeRequests(requests, 'step-settled');
  await appendSettlementAudit(deps, step, outcome, requests);
  if (step.taskToken) await deps.tasks.succeed(step.taskToken, { outcome });
}

async function appendSettlementAudit(
  deps: SettleDeps,
  step: ApprovalStep,
  outcome: StepOutcome,
  requests: ApprovalRequest[],
): Promise<void> {
  const run = await deps.approvals.run(step.approvalId);
  if (!run) return;
  const quote = await deps.records.get('quote', run.quoteId);
  const at = step.settledAt ?? deps.now().toISOString();
  const approvals = step.decisions.filter((d) => d.decision === 'approve').length;
  const rejections = step.decisions.length - approvals;
  const entry: AuditEntry = {
    id: stableAuditId(at, `${step.approvalId}#${step.index}#settled`),
    recordType: 'quote',
    recordId: run.quoteId,
    version: Number(quote?.version ?? 0),
    action: `approval-step-${outcome}`,
    at,
    actor: { id: 'quote-approval', name: 'Quote approval', kind: 'workflow' },
    channel: 'workflow',
    changes: [],
    summary: `Step ${step.index + 1} "${step.name}" ${outcome} (${step.mode}, ${approvals} approved, ${rejections} rejected of ${counted(requests).length} asked)`,
    context: { approvalId: step.approvalId, stepIndex: step.index },
  };
  try {
    await deps.records.appendHistory('quote', entry);
  } catch (error) {
    // The same id already written: an earlier call got this far.
    if (!(error instanceof VersionConflictError)) throw error;
  }
}
