import type { StoredRecord } from '#schemas/common';
import type { ApprovalRun, ApprovalStep, RunStatus } from '#store/approval-store';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { stableAuditId } from '../../shared/audit-ids.ts';
import { deliverOnce } from '../../shared/deliver-once.ts';
import type { FlowDeps } from '../ports.ts';
import { type EarlierDecision, type FinalOutcome, outcomeEmail } from '../views/approval-messages.ts';
import { appendFlowHistory, decisionsUpTo, FLOW_ACTOR, loadRun, quoteSummary } from './approval-flow.ts';

export interface FinishInput {
  approvalId: string;
  /** What the workflow concluded; absent when Load Step found the run no longer pending. */
  outcome?: 'approved' | 'rejected' | 'failed';
  /** The caught error, when the flow failed. */
  error?: { Error?: string; Cause?: string };
}

type Final = {
  run: Exclude<RunStatus, 'pending' | 'recalled'>;
  quote: 'approved' | 'rejected' | 'draft';
  reason?: string;
};

/** What a run ends as, from the workflow's outcome and its steps. */
export function finalOf(input: FinishInput, steps: ApprovalStep[]): Final {
  if (input.outcome === 'approved') return { run: 'approved', quote: 'approved' };
  if (input.outcome === 'rejected') {
    const expired = steps.find((s) => s.status === 'expired');
    if (expired)
      return {
        run: 'expired',
        quote: 'draft',
        reason: `Nobody decided step “${expired.name}” in time, so the quote is back in draft.`,
      };
    return { run: 'rejected', quote: 'rejected' };
  }
  return {
    run: 'failed',
    quote: 'draft',
    reason: `The approval could not be completed (${input.error?.Error ?? 'no outcome'}), so the quote is back in draft.`,
  };
}

const decisionText = (d: EarlierDecision) =>
  `${d.approverName}${d.onBehalfOf ? ` (for ${d.onBehalfOf.name})` : ''} ${d.decision === 'approve' ? 'approved' : 'rejected'} “${d.stepName}”${d.comment ? `: “${d.comment}”` : ''}`;

/** One sentence for the quote's history: the outcome, each decision with its comment, timeouts. */
export function finishSummary(final: Final, run: ApprovalRun, steps: ApprovalStep[]): string {
  const decisions = decisionsUpTo(steps, Number.POSITIVE_INFINITY).map(decisionText);
  const timed = steps
    .filter((s) => s.settledBy === 'timeout' && s.status !== 'expired')
    .map((s) => `“${s.name}” ${s.status} automatically after the timeout`);
  const policy = run.policy ? ` under policy “${run.policy.name}” v${run.policy.version}` : '';
  const head = {
    approved: `Approved${policy}`,
    rejected: `Rejected${policy}`,
    expired: 'Approval expired; back to draft',
    failed: 'Approval failed; back to draft',
  }[final.run];
  const details = [
    ...decisions,
    ...timed,
    ...(final.reason && final.run !== 'expired' ? [final.reason] : []),
  ];
  return details.length ? `${head}: ${details.join('; ')}` : head;
}

/**
 * The end of a run (the workflow's Finish state).
 * 1. A run still pending ends: approved → the quote Approved; rejected → the quote Rejected, or
 *    back to Draft when a step expired unanswered; failed → back to Draft. The quote's change,
 *    its history entry (with the decisions' comments) and the run's end are one transaction,
 *    conditioned on the run being pending, so a recall racing the finish cannot both win.
 * 2. Open requests left anywhere in the run close, so no link decides any more.
 * 3. The submitter is emailed the outcome, once (not after a recall: they did that themselves).
 */
export async function finishApproval(deps: FlowDeps, input: FinishInput): Promise<{ status: RunStatus }> {
  let run = await loadRun(deps.approvals, input.approvalId);
  const steps = await deps.approvals.steps(run.id);
  if (run.status === 'pending') {
    await endRun(deps, run, finalOf(input, steps), steps);
    run = await loadRun(deps.approvals, input.approvalId);
  }
  await deps.approvals.closeRequests(await deps.approvals.requests(run.id), 'step-settled');
  if (run.status !== 'pending' && run.status !== 'recalled' && !run.notifiedAt)
    await notifySubmitter(deps, run, steps);
  return { status: run.status };
}

async function endRun(deps: FlowDeps, run: ApprovalRun, final: Final, steps: ApprovalStep[]): Promise<void> {
  const at = deps.now().toISOString();
  const runFields = {
    status: final.run,
    finishedAt: at,
    ...(final.reason ? { finishReason: final.reason } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    const quote = await deps.records.get('quote', run.quoteId);
    if (quote?.status !== 'pending_approval') {
      // The quote left pending approval some other way (it cannot be edited meanwhile): only the run ends.
      await deps.approvals.setRunFields(run.id, runFields, 'pending');
      return;
    }
    const next: StoredRecord = {
      ...quote,
      status: final.quote,
      version: quote.version + 1,
      updatedAt: at,
      updatedBy: FLOW_ACTOR.id,
    };
    try {
      await deps.records.replace(
        RECORD_TYPES.quote,
        quote,
        next,
        {
          id: stableAuditId(at, `${run.id}#finished`),
          recordType: 'quote',
          recordId: quote.id,
          version: next.version,
          action: `approval-run-${final.run}`,
          at,
          actor: FLOW_ACTOR,
          channel: 'workflow',
          changes: [{ field: '/status', from: quote.status, to: final.quote }],
          summary: finishSummary(final, run, steps),
          context: { approvalId: run.id },
        },
        [deps.approvals.runUpdateItem(run.id, runFields, 'pending')],
      );
      return;
    } catch (error) {
      const current = await deps.approvals.run(run.id);
      if (current?.status !== 'pending') return; // recalled (or finished by a retry) meanwhile
      const retry = error instanceof VersionConflictError || error instanceof TransactionConflictError;
      if (!retry || attempt >= 5) throw error;
    }
  }
}

async function notifySubmitter(deps: FlowDeps, run: ApprovalRun, steps: ApprovalStep[]): Promise<void> {
  const { quote, summary } = await quoteSummary(deps.records, run);
  const directory = deps.directory();
  const recipient =
    (await directory.user(run.submittedBy.userId)) ??
    (typeof quote.ownerId === 'string' ? await directory.user(quote.ownerId) : undefined);
  if (recipient) {
    const outcome = run.status as FinalOutcome;
    const email = outcomeEmail({
      outcome,
      quote: summary,
      recipientName: recipient.name,
      decisions: decisionsUpTo(steps, Number.POSITIVE_INFINITY),
      ...(run.finishReason ? { reason: run.finishReason } : {}),
    });
    const delivered = await deliverOnce(deps, `approval-outcome#${run.id}`, {
      email: { to: [recipient.email], ...email, tags: { flow: 'quote-approval', approval: run.id } },
    });
    const unconfirmed =
      delivered.email?.status === 'unconfirmed'
        ? ' (unconfirmed: an attempt stopped while handing it over; not sent twice)'
        : '';
    await appendFlowHistory(deps.records, quote, {
      key: `${run.id}#outcome-email`,
      at: run.finishedAt ?? deps.now().toISOString(),
      action: 'approval-outcome-sent',
      channel: 'email',
      summary: `${recipient.name} was emailed the outcome: ${run.status}${unconfirmed}`,
      context: { approvalId: run.id, to: recipient.id },
    });
  }
  await deps.approvals.setRunFields(run.id, { notifiedAt: deps.now().toISOString() });
}
