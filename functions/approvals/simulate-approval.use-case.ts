import type { ApprovalPolicy } from '#schemas/admin/approval-policy';
import { SimulateApprovalRequest } from '#schemas/admin/approval-simulation';
import { ADMIN_KINDS } from '../admin/admin-kinds.ts';
import { type DocumentDeps, entityOf, loadHead, loadVersion } from '../admin/document-service.ts';
import { loadRecord } from '../records/record-service.ts';
import { RECORD_TYPES } from '../records/record-types.ts';
import { parseOrThrow, unprocessable } from '../shared/problem.ts';
import {
  type ActivePolicy,
  type ApprovalPlan,
  PlanningError,
  planApproval,
  type QuoteForApproval,
} from './approval-plan.ts';
import { recordDirectory } from './record-directory.ts';

const kind = ADMIN_KINDS['approval-policy'];

/** The approval policies in force: each document's active version. */
export async function activePolicies(deps: DocumentDeps): Promise<ActivePolicy[]> {
  const heads = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(entityOf(kind), {
      filters: [],
      limit: 100,
      includeArchived: false,
      ...(cursor ? { cursor } : {}),
    });
    heads.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const active = heads.filter((h) => typeof h.activeVersion === 'number');
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
  const account = await deps.store.get('account', String(quote.accountId));
  let policies: ActivePolicy[];
  if (request.policy) {
    await loadHead(deps, kind, request.policy.id);
    const version = await loadVersion<ApprovalPolicy>(deps, kind, request.policy.id, request.policy.version);
    policies = [{ id: request.policy.id, version: version.version, content: version.content }];
  } else {
    policies = await activePolicies(deps);
  }
  const submitterId = request.submitterId ?? (quote.ownerId as string | undefined) ?? callerUserId;
  if (!submitterId) {
    throw unprocessable(
      'submitter-unknown',
      'Submitter unknown',
      'Name a submitterId: the quote has no owner and the caller is not a staff user.',
    );
  }
  try {
    return await planApproval(recordDirectory(deps.store), {
      quote: quote as unknown as QuoteForApproval,
      ...(account ? { account: { tier: account.tier as string, country: account.country as string } } : {}),
      submitterId,
      policies,
      at: request.at ? new Date(request.at) : deps.now(),
    });
  } catch (error) {
    if (error instanceof PlanningError)
      throw unprocessable('no-approver', 'Nobody can approve', error.message);
    throw error;
  }
}
