import type { ApprovalPolicy } from '#schemas/admin/approval-policy';
import { SimulateApprovalRequest } from '#schemas/admin/approval-simulation';
import type { StoredRecord } from '#schemas/common';
import { ADMIN_KINDS } from '../../admin/domain/admin-kinds.ts';
import type { DocumentDeps } from '../../admin/ports.ts';
import { activeHeads, loadHead, loadVersion } from '../../admin/use-cases/document-service.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { parseOrThrow, rejected } from '../../shared/errors.ts';
import { recordDirectory } from '../adapters/record-directory.ts';
import {
  type ActivePolicy,
  type ApprovalPlan,
  PlanningError,
  planApproval,
  type QuoteForApproval,
} from '../domain/approval-plan.ts';

const kind = ADMIN_KINDS['approval-policy'];

/** The approval policies in force: each document's active version. */
export async function activePolicies(deps: DocumentDeps): Promise<ActivePolicy[]> {
  const active = await activeHeads(deps, kind);
  return Promise.all(
    active.map(async (h) => {
      const version = await loadVersion<ApprovalPolicy>(deps, kind, h.id, h.activeVersion as number);
      return { id: h.id, version: version.version, content: version.content };
    }),
  );
}

/**
 * The approval dry run: what would happen if this quote were submitted now — which policy
 * applies and why, which steps it enters and why, and who exactly would be asked (delegates
 * resolved, fallbacks named) — without starting anything or sending anything.
 */
export async function simulateApproval(
  deps: DocumentDeps,
  body: unknown,
  callerUserId: string | undefined,
): Promise<ApprovalPlan> {
  const request = parseOrThrow(SimulateApprovalRequest, body);
  const quote = await loadRecord(deps, RECORD_TYPES.quote, request.quoteId);
  let policies: ActivePolicy[];
  if (request.policy) {
    await loadHead(deps, kind, request.policy.id);
    const version = await loadVersion<ApprovalPolicy>(deps, kind, request.policy.id, request.policy.version);
    policies = [{ id: request.policy.id, version: version.version, content: version.content }];
  } else {
    policies = await activePolicies(deps);
  }
  return planQuote(deps, {
    quote,
    submitterId: submitterOf(quote, request.submitterId ?? callerUserId),
    ...(request.submitterId ? { ineligible: [request.submitterId] } : {}),
    policies,
    at: request.at ? new Date(request.at) : deps.now(),
  });
}

/** Whose approval chain a quote follows: its owner's, else the staff user who submits it. */
export function submitterOf(quote: StoredRecord, callerUserId: string | undefined): string | undefined {
  return (quote.ownerId as string | undefined) ?? callerUserId;
}

/**
 * The plan for a quote, from its account and the given policies. The dry run answers with it and
 * the submit starts exactly it, so the two cannot disagree. Nobody able to approve is a 422.
 */
export async function planQuote(
  deps: DocumentDeps,
  input: {
    quote: StoredRecord;
    submitterId: string | undefined;
    /** Who else may not approve: the submitting user, when the quote's owner is someone else. */
    ineligible?: string[];
    policies: ActivePolicy[];
    at: Date;
  },
): Promise<ApprovalPlan> {
  const { quote, submitterId } = input;
  if (!submitterId) {
    throw rejected(
      'submitter-unknown',
      'Submitter unknown',
      'Name a submitterId: the quote has no owner and the caller is not a staff user.',
    );
  }
  const account = await deps.store.get('account', String(quote.accountId));
  try {
    return await planApproval(recordDirectory(deps.store), {
      quote: quote as unknown as QuoteForApproval,
      ...(account ? { account: { tier: account.tier as string, country: account.country as string } } : {}),
      submitterId,
      ...(input.ineligible ? { ineligible: input.ineligible } : {}),
      policies: input.policies,
      at: input.at,
    });
  } catch (error) {
    if (error instanceof PlanningError) throw rejected('no-approver', 'Nobody can approve', error.message);
    throw error;
  }
}
