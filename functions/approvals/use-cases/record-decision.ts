/**
 * What the decision channels (the link page, SMS replies) share: where a request stands, and
 * recording one approver's decision.
 */

import { logger } from '#platform/observability';
import type { ApprovalRequest, Decision, RecordedDecision } from '#schemas/approval';
import type { AuditEntry } from '#schemas/audit';
import type { Channel } from '#schemas/common';
import type { ApprovalRun, ApprovalStep } from '#store/approval-store';
import { VersionConflictError } from '#store/errors';
import { stableAuditId } from '../../shared/audit-ids.ts';
import type { DecisionDeps, StepOutcome } from '../ports.ts';
import { settleIfDecided } from './settle-step.ts';

/** Where a request stands, as its approver would put it. */
export type RequestState =
  | { kind: 'open' }
  | { kind: 'decided'; decision: RecordedDecision }
  | { kind: 'expired'; at: string }
  | { kind: 'recalled' }
  | { kind: 'replaced' }
  /** The approver was deactivated or archived since the request went out: the link no longer decides. */
  | { kind: 'approver-inactive' }
  | { kind: 'step-settled'; outcome?: StepOutcome; decisions: RecordedDecision[] };

export interface RequestContext {
  request: ApprovalRequest;
  run: ApprovalRun | undefined;
  step: ApprovalStep | undefined;
  state: RequestState;
}

/** The decision the step recorded for this request (the request holds only its outcome). */
export function decisionOf(request: ApprovalRequest, step: ApprovalStep | undefined): RecordedDecision {
  const recorded = step?.decisions.find(
    (d) => d.approverId === request.approverId && d.at === request.decidedAt,
  );
  return (
    recorded ?? {
      approverId: request.approverId,
      approverName: request.approverName,
      ...(request.onBehalfOf ? { onBehalfOf: request.onBehalfOf } : {}),
      decision: request.decision ?? 'approve',
      at: request.decidedAt ?? request.createdAt,
      channel: 'system',
    }
  );
}

/** Reads the run and step around a request and says where the request stands. Writes nothing. */
export async function requestContext(
  deps: DecisionDeps,
  request: ApprovalRequest,
  now: Date,
): Promise<RequestContext> {
  const [run, step, approver] = await Promise.all([
    deps.approvals.run(request.approvalId),
    deps.approvals.step(request.approvalId, request.stepIndex),
    deps.records.get('user', request.approverId),
  ]);
  const state = stateOf(request, run, step, now);
  // A request is a bearer credential issued to a person: once they leave, it decides nothing.
  const approverLeft = !approver || approver.archived === true || approver.active === false;
  return {
    request,
    run,
    step,
    state: state.kind === 'open' && approverLeft ? { kind: 'approver-inactive' } : state,
  };
}

function stateOf(
  request: ApprovalRequest,
  run: ApprovalRun | undefined,
  step: ApprovalStep | undefined,
  now: Date,
): RequestState {
  if (request.status === 'decided') return { kind: 'decided', decision: decisionOf(request, step) };
  const settled = (): RequestState => ({
    kind: 'step-settled',
    ...(step?.status === 'approved' || step?.status === 'rejected' ? { outcome: step.status } : {}),
    decisions: step?.decisions ?? [],
  });
  if (request.status === 'closed') {
    switch (request.closedReason) {
      case 'recalled':
        return { kind: 'recalled' };
      case 'expired':
        return { kind: 'expired', at: request.expiresAt };
      case 'replaced':
        return { kind: 'replaced' };
      default:
        return settled();
    }
  }
  if (run?.status === 'recalled') return { kind: 'recalled' };
  if (Date.parse(request.expiresAt) <= now.getTime() || step?.status === 'expired')
    return { kind: 'expired', at: request.expiresAt };
  if (!run || !step || step.status !== 'open' || run.status !== 'pending') return settled();
  return { kind: 'open' };
}

export interface DecisionInput {
  decision: Decision;
  comment?: string | undefined;
  channel: Channel;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/**
 * Records one approver's decision:
 *   1. the request goes from open to decided and the decision joins the step — one conditional
 *      transaction, so two racing posts of one link make one decision (the loser gets
 *      LinkAlreadyUsedError; a post after the step settled gets StepAlreadySettledError);
 *   2. the audit entry goes on the quote's history;
 *   3. the step settles if this decision settles it, and the workflow hears of it.
 * Answers the recorded decision and the step's outcome once it has one.
 */
export async function recordDecision(
  deps: DecisionDeps,
  request: ApprovalRequest,
  input: DecisionInput,
): Promise<{ decision: RecordedDecision; stepOutcome?: StepOutcome }> {
  const decision: RecordedDecision = {
    approverId: request.approverId,
    approverName: request.approverName,
    ...(request.onBehalfOf ? { onBehalfOf: request.onBehalfOf } : {}),
    decision: input.decision,
    ...(input.comment ? { comment: input.comment } : {}),
    at: deps.now().toISOString(),
    channel: input.channel,
    ...(input.ip ? { ip: input.ip } : {}),
    ...(input.userAgent ? { userAgent: input.userAgent.slice(0, 512) } : {}),
  };
  await deps.approvals.decide(request, decision);
  const stepOutcome = await completeDecision(deps, request, decision);
  return { decision, ...(stepOutcome ? { stepOutcome } : {}) };
}

/**
 * What follows a recorded decision: its audit entry and the step's settlement. Idempotent, so a
 * repeated post of a decided link finishes what a failed first attempt left undone.
 */
export async function completeDecision(
  deps: DecisionDeps,
  request: ApprovalRequest,
  decision: RecordedDecision,
): Promise<StepOutcome | undefined> {
  await appendDecisionAudit(deps, request, decision);
  try {
    return await settleIfDecided(deps, request.approvalId, request.stepIndex);
  } catch (error) {
    // The decision stands; the workflow re-checks the step when it next stores a task token.
    logger.error('settling the step after a decision failed', { error, approvalId: request.approvalId });
    return undefined;
  }
}

async function appendDecisionAudit(
  deps: DecisionDeps,
  request: ApprovalRequest,
  decision: RecordedDecision,
): Promise<void> {
  const quote = await deps.records.get('quote', request.quoteId);
  const verb = decision.decision === 'approve' ? 'approved' : 'rejected';
  const entry: AuditEntry = {
    id: stableAuditId(decision.at, `${request.linkHash}#decided`),
    recordType: 'quote',
    recordId: request.quoteId,
    version: Number(quote?.version ?? 0),
    action: `approval-${verb}`,
    at: decision.at,
    actor: {
      id: decision.approverId,
      name: decision.approverName,
      kind: 'user',
      ...(decision.onBehalfOf ? { onBehalfOf: decision.onBehalfOf.userId } : {}),
    },
    channel: decision.channel,
    changes: [],
    summary:
      `${decision.approverName} ${verb} step ${request.stepIndex + 1} "${request.stepName}"` +
      `${decision.onBehalfOf ? ` on behalf of ${decision.onBehalfOf.name}` : ''}` +
      `${decision.comment ? `: “${decision.comment}”` : ''}`,
    context: {
      approvalId: request.approvalId,
      stepIndex: request.stepIndex,
      decision: decision.decision,
      ...(decision.comment ? { comment: decision.comment } : {}),
      ...(decision.onBehalfOf ? { onBehalfOfName: decision.onBehalfOf.name } : {}),
      ...(decision.ip ? { ip: decision.ip } : {}),
      ...(decision.userAgent ? { userAgent: decision.userAgent } : {}),
    },
  };
  try {
    await deps.records.appendHistory('quote', entry);
  } catch (error) {
    // Written already, by an earlier attempt at the same decision.
    if (!(error instanceof VersionConflictError)) throw error;
  }
}
