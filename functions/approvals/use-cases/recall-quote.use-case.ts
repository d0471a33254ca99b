import type { ApprovalRunView } from '#schemas/approval-run';
import type { StoredRecord } from '#schemas/common';
import type { ApprovalRun } from '#store/approval-store';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { RecordDeps } from '../../records/ports.ts';
import { auditEntry, loadRecord, withRetries } from '../../records/use-cases/record-service.ts';
import { conflict, notAllowed, notFound } from '../../shared/errors.ts';
import type { SubmitDeps } from '../ports.ts';
import { loadRunView } from '../views/approval-view.ts';
import type { Caller } from './submit-quote.use-case.ts';

const quoteType = RECORD_TYPES.quote;

/** The quote's latest approval run, or a 404 saying it was never submitted. */
export async function latestRun(deps: SubmitDeps, quote: StoredRecord): Promise<ApprovalRun> {
  const [id] = await deps.approvals.runIdsOfQuote(quote.id, 1);
  const run = id ? await deps.approvals.run(id) : undefined;
  if (!run) throw notFound(`Quote ${quote.id} was never submitted for approval.`);
  return run;
}

/** The quote's current or latest approval: steps, approvers and why, requests, decisions. */
export async function getApproval(deps: SubmitDeps, quoteId: string): Promise<ApprovalRunView> {
  const quote = await loadRecord(deps, quoteType, quoteId);
  return loadRunView(deps.approvals, await latestRun(deps, quote));
}

/**
 * Recalls a quote from approval (its submitter, or a manager or admin).
 * 1. The quote's latest run must be pending (409 otherwise: decided already, or never submitted).
 * 2. Stop the workflow execution, so no reminder or escalation goes out any more.
 * 3. One transaction: the quote back to draft with its history entry, the run recalled —
 *    conditioned on the run being pending, so a finish racing the recall cannot both win.
 * 4. Close every open request as recalled: their links stop working.
 */
export async function recallQuote(
  deps: SubmitDeps,
  quoteId: string,
  caller: Caller,
): Promise<ApprovalRunView> {
  const quote = await loadRecord(deps, quoteType, quoteId);
  const run = await latestRun(deps, quote);
  if (run.status !== 'pending')
    throw conflict(
      'not-pending',
      'Not pending approval',
      `Quote ${quote.id} is not pending approval: its latest approval was ${run.status}.`,
    );
  const { principal } = caller;
  const isSubmitter = [principal.userId, principal.id].includes(run.submittedBy.userId);
  if (!isSubmitter && principal.role !== 'manager' && principal.role !== 'admin')
    throw notAllowed(
      `Only ${run.submittedBy.name}, who submitted the quote, or a manager or admin may recall it.`,
    );

  if (run.executionArn) await deps.workflow.stop(run.executionArn, `Recalled by ${principal.name}`);
  const at = deps.now().toISOString();
  await withRetries(
    async () => {
      const current = await loadRecord(deps, quoteType, quote.id);
      const fields = {
        status: 'recalled' as const,
        finishedAt: at,
        finishReason: `Recalled by ${principal.name}.`,
      };
      if (current.status !== 'pending_approval') {
        if (!(await deps.approvals.setRunFields(run.id, fields, 'pending'))) throw decidedMeanwhile(quote.id);
        return;
      }
      const next: StoredRecord = {
        ...current,
        status: 'draft',
        version: current.version + 1,
        updatedAt: at,
        updatedBy: caller.source.actor.id,
      };
      try {
        await deps.store.replace(
          quoteType,
          current,
          next,
          auditEntry(
            deps as RecordDeps,
            quoteType,
            next,
            'approval-recalled',
            [{ field: '/status', from: current.status, to: 'draft' }],
            { ...caller.source, context: { ...caller.source.context, approvalId: run.id } },
            `Recalled from approval by ${principal.name}; back to draft. Open approval links no longer work.`,
          ),
          [deps.approvals.runUpdateItem(run.id, fields, 'pending')],
        );
      } catch (error) {
        if (error instanceof VersionConflictError || error instanceof TransactionConflictError) throw error;
        if ((await deps.approvals.run(run.id))?.status !== 'pending') throw decidedMeanwhile(quote.id);
        throw error;
      }
    },
    (error) => error instanceof TransactionConflictError || error instanceof VersionConflictError,
  );
  await deps.approvals.closeRequests(await deps.approvals.requests(run.id), 'recalled');
  return loadRunView(deps.approvals, (await deps.approvals.run(run.id)) ?? run);
}

const decidedMeanwhile = (quoteId: string) =>
  conflict(
    'not-pending',
    'Not pending approval',
    `Quote ${quoteId} was decided while the recall was under way.`,
  );
