import type { ApprovalRunView } from '#schemas/approval-run';
import type { StoredRecord } from '#schemas/common';
import type { PricedQuoteLine, QuoteTotals } from '#schemas/records/quote';
import type { ApprovalRun, ApprovalStep, RunStatus } from '#store/approval-store';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { etagOf, ifMatchAdmits } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource } from '../../records/ports.ts';
import { assertMayWrite } from '../../records/use-cases/ownership.ts';
import { auditEntry, loadRecord, withRetries } from '../../records/use-cases/record-service.ts';
import type { Principal } from '../../shared/auth.ts';
import { conflict, rejected, staleVersion, Unavailable } from '../../shared/errors.ts';

import type { ActivePolicy, ApprovalPlan, PlannedStep } from '../domain/approval-plan.ts';
import type { SubmitDeps } from '../ports.ts';
import { loadRunView } from '../views/approval-view.ts';
import { activePolicies, planQuote, submitterOf } from './simulate-approval.use-case.ts';

export interface Caller {
  principal: Principal;
  source: ChangeSource;
}

const quoteType = RECORD_TYPES.quote;

/**
 * Submits a quote for approval.
 * 1. Read the quote; If-Match, when sent, must name its version (412). It must be a live draft,
 *    priced and still valid (409, 422). One pending approval already: 409 — unless its workflow
 *    never started and its submit is long gone (cut short by a crash), which this resumes.
 * 2. Plan with the active policies, by the very function the dry run uses, for the quote's owner
 *    (else the caller): the policy and version, the steps it enters and who is asked and why,
 *    fallbacks named. Nobody at all can approve: 422, nothing written.
 * 3. No step applies: the quote is approved at once (the run records why); no workflow runs.
 * 4. Otherwise one transaction: the quote to pending approval with its history entry, the run
 *    (holding the policy version, so a later version never changes a quote in flight) and its
 *    steps. Racing submits of one version: one wins, the others find it pending (409).
 * 5. Start the workflow execution named after the run. If it cannot start, the submit is undone
 *    (the quote back to draft, the run failed) and the caller gets a 503 to retry.
 */
export async function submitQuote(
  deps: SubmitDeps,
  quoteId: string,
  ifMatch: string | undefined,
  caller: Caller,
): Promise<{ status: 200 | 202; run: ApprovalRunView }> {
  const written = await withRetries(
    async () => {
      const quote = await loadRecord(deps, quoteType, quoteId);
      await assertMayWrite(deps.store, caller.source.writer, quoteType, { current: quote }, 'submit');
      if (ifMatch !== undefined && !ifMatchAdmits(ifMatch, quote.version))
        throw staleVersion(
          `If-Match does not match the current version ${etagOf(quote.version)}; nothing was submitted.`,
          { currentETag: etagOf(quote.version) },
        );
      if (quote.status === 'pending_approval') return resumable(deps, quote);
      checkSubmittable(quote, deps.now());

      const policies = await activePolicies(deps);
      const plan = await planQuote(deps, {
        quote,
        submitterId: submitterOf(quote, caller.principal.userId),
        // The owner's chain decides who is asked; the caller may never approve what they submit.
        ...(caller.principal.userId ? { ineligible: [caller.principal.userId] } : {}),
        policies,
        at: deps.now(),
      });
      const policy = policies.find((p) => p.id === plan.policy?.id && p.version === plan.policy.version);
      const { run, steps } = await newRun(deps, quote, plan, policy, caller);
      const next: StoredRecord = {
        ...quote,
        status: plan.autoApproved ? 'approved' : 'pending_approval',
        version: quote.version + 1,
        updatedAt: run.submittedAt,
        updatedBy: caller.source.actor.id,
      };
      const audit = auditEntry(
        deps,
        quoteType,
        next,
        plan.autoApproved ? 'approval-not-needed' : 'submitted-for-approval',
        [{ field: '/status', from: quote.status, to: next.status }],
        { ...caller.source, context: { ...caller.source.context, approvalId: run.id } },
        submitSummary(plan),
      );
      try {
        await deps.store.replace(quoteType, quote, next, audit, deps.approvals.runItems(run, steps));
      } catch (error) {
        if (error instanceof VersionConflictError && ifMatch !== undefined)
          throw staleVersion('The quote changed while it was being submitted; nothing was submitted.');
        throw error;
      }
      return run;
    },
    (error) =>
      error instanceof TransactionConflictError ||
      (error instanceof VersionConflictError && ifMatch === undefined),
  );

  if (written.status === 'pending') await startExecution(deps, written, caller);
  const run = (await deps.approvals.run(written.id)) ?? written;
  return {
    status: run.status === 'approved' && !run.executionArn ? 200 : 202,
    run: await loadRunView(deps.approvals, run),
  };
}

/**
 * How long a submit may take before its run, still without an execution, counts as abandoned:
 * longer than any request lives (API Gateway gives up after 30 s), so a submit still under way is
 * never taken over.
 */
const ABANDONED_AFTER_MS = 60_000;

/** A pending quote may be submitted again only to finish a submit that stopped before its workflow started. */
async function resumable(deps: SubmitDeps, quote: StoredRecord): Promise<ApprovalRun> {
  const [latest] = await deps.approvals.runIdsOfQuote(quote.id, 1);
  const run = latest ? await deps.approvals.run(latest) : undefined;
  const abandoned =
    run?.status === 'pending' &&
    !run.executionArn &&
    deps.now().getTime() - Date.parse(run.submittedAt) > ABANDONED_AFTER_MS;
  if (run && abandoned) return run;
  throw conflict(
    'already-submitted',
    'Already pending approval',
    `Quote ${quote.id} is already pending approval${run ? ` (approval ${run.id})` : ''}; recall it to change or submit it again.`,
    run ? { approvalId: run.id } : {},
  );
}

function checkSubmittable(quote: StoredRecord, now: Date): void {
  if (quote.archived)
    throw conflict(
      'archived',
      'Record archived',
      `Quote ${quote.id} is archived; restore it before submitting.`,
    );
  if (quote.status !== 'draft')
    throw conflict(
      'not-draft',
      'Quote not in draft',
      `Only a draft quote can be submitted; quote ${quote.id} is ${String(quote.status).replace('_', ' ')}.` +
        (quote.status === 'approved' || quote.status === 'rejected'
          ? ' Changing its price or terms brings it back to draft.'
          : ''),
    );
  const totals = quote.totals as QuoteTotals | undefined;
  const lines = quote.lines as PricedQuoteLine[] | undefined;
  if (!totals || typeof totals.total !== 'number' || !lines?.length)
    throw rejected(
      'quote-not-priced',
      'Quote not priced',
      `Quote ${quote.id} has no priced lines to approve.`,
    );
  const today = now.toISOString().slice(0, 10);
  if (typeof quote.validUntil === 'string' && quote.validUntil < today)
    throw rejected(
      'quote-expired',
      'Quote no longer valid',
      `Quote ${quote.id} was valid until ${quote.validUntil}; set a later validUntil before submitting.`,
      { errors: [{ pointer: '/validUntil', detail: 'is in the past', code: 'expired' }] },
    );
}

async function newRun(
  deps: SubmitDeps,
  quote: StoredRecord,
  plan: ApprovalPlan,
  policyVersion: ActivePolicy | undefined,
  caller: Caller,
): Promise<{ run: ApprovalRun; steps: ApprovalStep[] }> {
  const now = deps.now().toISOString();
  const id = deps.newId('apr');
  const { principal } = caller;
  const staff = principal.userId ? await deps.store.get('user', principal.userId) : undefined;
  const status: RunStatus = plan.autoApproved ? 'approved' : 'pending';
  const run: ApprovalRun = {
    id,
    quoteId: quote.id,
    policy: plan.policy ? { id: plan.policy.id, version: plan.policy.version, name: plan.policy.name } : null,
    policyWhy: plan.policy?.why ?? [],
    facts: plan.facts,
    submittedBy: principal.userId
      ? { userId: principal.userId, name: staff ? String(staff.name) : principal.name }
      : { userId: principal.id, name: principal.name },
    submittedAt: now,
    ...(submitterOf(quote, principal.userId) ? { requesterId: submitterOf(quote, principal.userId) } : {}),
    status,
    stepCount: plan.steps.length,
    ...(policyVersion
      ? {
          linkValidityHours: policyVersion.content.linkValidityHours,
          fallbackApproverId: policyVersion.content.fallbackApproverId,
        }
      : {}),
    quoteVersion: quote.version + 1,
    ...(plan.autoApproved
      ? {
          finishedAt: now,
          finishReason: plan.policy
            ? `None of the steps of “${plan.policy.name}” apply to this quote.`
            : 'No active approval policy applies to this quote.',
        }
      : {}),
  };
  return { run, steps: plan.steps.map((step) => stepRecord(id, step)) };
}

function stepRecord(approvalId: string, step: PlannedStep): ApprovalStep {
  return {
    approvalId,
    index: step.index,
    name: step.name,
    status: step.applies ? 'waiting' : 'skipped',
    required: step.required,
    mode: step.mode.type,
    ...(step.mode.type === 'quorum' ? { quorum: step.mode.count } : {}),
    ...(step.timeout
      ? {
          timeout: {
            afterHours: step.timeout.afterHours,
            action: step.timeout.action,
            maxReminders: step.timeout.maxReminders,
            ...(step.timeout.reminderEveryHours !== undefined
              ? { reminderEveryHours: step.timeout.reminderEveryHours }
              : {}),
          },
        }
      : {}),
    applies: step.applies,
    why: step.why,
    approvers: step.approvers.map((a) => ({
      userId: a.userId,
      name: a.name,
      reason: a.reason,
      ...(a.onBehalfOf ? { onBehalfOf: a.onBehalfOf } : {}),
    })),
    unresolved: step.unresolved,
    reminders: 0,
    escalations: 0,
    decisions: [],
  };
}

/** The submit's history entry: the policy, and for each step who is asked and why, or why it is skipped. */
export function submitSummary(plan: ApprovalPlan): string {
  if (!plan.policy) return 'Approved without approval: no active approval policy applies';
  const steps = plan.steps.map((s) =>
    s.applies
      ? `step ${s.index + 1} “${s.name}” asks ${s.approvers
          .map((a) => `${a.name}${a.onBehalfOf ? ` for ${a.onBehalfOf.name}` : ''} (${a.reason})`)
          .join(', ')}`
      : `step ${s.index + 1} “${s.name}” skipped (${s.why.join('; ')})`,
  );
  const head = plan.autoApproved
    ? `Approved without approval: policy “${plan.policy.name}” v${plan.policy.version} applies but none of its steps`
    : `Submitted for approval under policy “${plan.policy.name}” v${plan.policy.version}`;
  return `${head}: ${steps.join('; ')}`;
}

async function startExecution(deps: SubmitDeps, run: ApprovalRun, caller: Caller): Promise<void> {
  let executionArn: string;
  try {
    executionArn = await deps.workflow.start(run.id, { approvalId: run.id, stepIndex: 0 }, run.quoteId);
  } catch (error) {
    await undoSubmit(deps, run, caller, error as Error);
    throw new Unavailable(
      'workflow-unavailable',
      'Approval could not start',
      'The approval workflow could not be started; the quote is back in draft and nothing was sent. Retry shortly.',
      5,
    );
  }
  await deps.approvals.setRunFields(run.id, { executionArn });
}

/** The workflow did not start: the quote back to draft and the run failed, in one transaction. */
async function undoSubmit(deps: SubmitDeps, run: ApprovalRun, caller: Caller, cause: Error): Promise<void> {
  const reason = `The approval workflow could not be started (${cause.name}).`;
  await withRetries(
    async () => {
      const quote = await loadRecord(deps, quoteType, run.quoteId);
      const runUpdate = {
        status: 'failed' as const,
        finishedAt: deps.now().toISOString(),
        finishReason: reason,
      };
      if (quote.status !== 'pending_approval') {
        await deps.approvals.setRunFields(run.id, runUpdate, 'pending');
        return;
      }
      const next: StoredRecord = {
        ...quote,
        status: 'draft',
        version: quote.version + 1,
        updatedAt: runUpdate.finishedAt,
        updatedBy: caller.source.actor.id,
      };
      await deps.store.replace(
        quoteType,
        quote,
        next,
        auditEntry(
          deps,
          quoteType,
          next,
          'submission-undone',
          [{ field: '/status', from: quote.status, to: 'draft' }],
          { ...caller.source, context: { ...caller.source.context, approvalId: run.id } },
          `Back to draft: ${reason} Nothing was sent to approvers.`,
        ),
        [deps.approvals.runUpdateItem(run.id, runUpdate, 'pending')],
      );
    },
    (error) => error instanceof TransactionConflictError || error instanceof VersionConflictError,
  );
}
