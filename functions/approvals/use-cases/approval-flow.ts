import type { ApprovalRequest, RecordedDecision } from '#schemas/approval';
import type { Actor, AuditEntry } from '#schemas/audit';
import type { Channel, StoredRecord } from '#schemas/common';
import type { PricedQuoteLine, QuoteTotals } from '#schemas/records/quote';
import type { ApprovalRun, ApprovalStep } from '#store/approval-store';
import { VersionConflictError } from '#store/errors';
import { stableAuditId } from '../../shared/audit-ids.ts';
import type { ApprovalRuns, QuoteRecords } from '../ports.ts';
import type { EarlierDecision } from '../views/approval-messages.ts';
import type { QuoteSummary } from '../views/approval-page.ts';

/** Who the flow's own entries in a quote's history are by. */
export const FLOW_ACTOR: Actor = { id: 'quote-approval', name: 'Quote approval', kind: 'workflow' };

/** The workflow's name in workflows/registry.ts and in WORKFLOW_QUOTE_APPROVAL_ARN. */
export const QUOTE_APPROVAL = 'quote-approval';

/** A request as the flow stores it: the shared request fields plus how and when it went out. */
export type FlowRequest = ApprovalRequest & {
  /** The workflow round that created it: 0 the first ask, later rounds reminders and escalations. */
  round?: number;
  /** The request (link hash) this one took the place of. */
  replaces?: string;
  sentAt?: string;
  channels?: ('email' | 'sms')[];
};

/** A run the flow was started for is missing: a fault in the flow, never retried. */
export class ApprovalNotFound extends Error {
  override name = 'ApprovalNotFound';
}

export async function loadRun(
  approvals: Pick<ApprovalRuns, 'run' | 'step'>,
  approvalId: string,
): Promise<ApprovalRun> {
  const run = await approvals.run(approvalId);
  if (!run) throw new ApprovalNotFound(`No approval run ${approvalId}`);
  return run;
}

export async function loadStep(
  approvals: ApprovalRuns,
  approvalId: string,
  index: number,
): Promise<ApprovalStep> {
  const step = await approvals.step(approvalId, index);
  if (!step) throw new ApprovalNotFound(`Approval run ${approvalId} has no step ${index}`);
  return step;
}

/** Requests that count as asking someone: not replaced by a reminder, renewal or escalation. */
export const liveRequests = <R extends FlowRequest>(requests: R[]) =>
  requests.filter((r) => !(r.status === 'closed' && r.closedReason === 'replaced'));

/**
 * Writes one event of the flow into the quote's history. The id is derived from `key` and `at`,
 * so writing the same event again (a retried task) adds nothing.
 */
export async function appendFlowHistory(
  records: QuoteRecords,
  quote: { id: string; version: number },
  event: {
    key: string;
    at: string;
    action: string;
    channel: Channel;
    summary: string;
    context?: Record<string, unknown>;
  },
): Promise<void> {
  const entry: AuditEntry = {
    id: stableAuditId(event.at, event.key),
    recordType: 'quote',
    recordId: quote.id,
    version: quote.version,
    action: event.action,
    at: event.at,
    actor: FLOW_ACTOR,
    channel: event.channel,
    changes: [],
    summary: event.summary,
    ...(event.context ? { context: event.context } : {}),
  };
  try {
    await records.appendHistory('quote', entry);
  } catch (error) {
    // The same id is there already: an earlier attempt wrote this event.
    if (!(error instanceof VersionConflictError)) throw error;
  }
}

/** The quote as messages and pages show it. */
export async function quoteSummary(
  records: QuoteRecords,
  run: ApprovalRun,
): Promise<{ quote: StoredRecord; summary: QuoteSummary }> {
  const quote = await records.get('quote', run.quoteId);
  if (!quote) throw new ApprovalNotFound(`Quote ${run.quoteId} of approval run ${run.id} is missing`);
  const account = await records.get('account', String(quote.accountId));
  const totals = quote.totals as QuoteTotals;
  const lines = (quote.lines as PricedQuoteLine[] | undefined) ?? [];
  return {
    quote,
    summary: {
      name: String(quote.name),
      customer: account ? String(account.name) : 'an unknown customer',
      currency: String(quote.currency),
      total: totals.total,
      net: totals.net,
      discountPercent: totals.discountPercent,
      ...(totals.marginPercent !== undefined ? { marginPercent: totals.marginPercent } : {}),
      lines: lines.map((l) => ({
        description: l.description ?? l.sku ?? 'Item',
        quantity: l.quantity,
        net: l.net,
      })),
      submittedBy: run.submittedBy.name,
    },
  };
}

/** Decisions taken so far in a run, up to and including a step, in order. */
export function decisionsUpTo(steps: ApprovalStep[], lastIndex: number): EarlierDecision[] {
  return steps
    .filter((s) => s.index <= lastIndex)
    .sort((a, b) => a.index - b.index)
    .flatMap((s) =>
      s.decisions.map((d: RecordedDecision) => ({
        stepName: s.name,
        approverName: d.approverName,
        decision: d.decision,
        at: d.at,
        ...(d.comment ? { comment: d.comment } : {}),
        ...(d.onBehalfOf ? { onBehalfOf: d.onBehalfOf } : {}),
      })),
    );
}
