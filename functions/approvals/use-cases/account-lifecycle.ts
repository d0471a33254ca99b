/**
 * What an account's writes mean for its quotes' approvals. Approval policies test the account's
 * tier and country (snapshotted on the run at submit, `facts`), so a change to either:
 *   - is refused (409, nothing written) while any of the account's quotes is pending approval:
 *     the approvers are judging facts that would no longer hold; recall the quote first;
 *   - sends every decided quote of the account (approved, rejected, expired) back to draft, with
 *     a history entry that says why, so it is approved again on the account as it now is.
 * The quotes go back to draft before the account is written: should that write then fail, a
 * quote needs approval once more than it had to, but no approval outlives the facts it tested.
 */

import type { StoredRecord } from '#schemas/common';
import { VersionConflictError } from '#store/errors';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { RecordDeps, RecordLifecycle } from '../../records/ports.ts';
import { auditEntry } from '../../records/use-cases/record-service.ts';
import { conflict } from '../../shared/errors.ts';
import { FLOW_ACTOR } from './approval-flow.ts';

/** Account fields an approval policy can test (quoteFacts: accountTier, accountCountry). */
const TESTED = ['tier', 'country'] as const;
const DECIDED = new Set(['approved', 'rejected', 'expired']);
/** More quotes on one account than any real pipeline; a page past it is refused, never ignored. */
const MAX_QUOTES = 1_000;

async function quotesOf(deps: RecordDeps, accountId: string): Promise<StoredRecord[]> {
  const quotes: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(RECORD_TYPES.quote, {
      filters: [{ field: 'accountId', value: accountId, index: 'byAccount' }],
      limit: 100,
      includeArchived: false,
      ...(cursor ? { cursor } : {}),
    });
    quotes.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (quotes.length > MAX_QUOTES)
      throw new Error(
        `account ${accountId} has more than ${MAX_QUOTES} quotes; refusing to guess which were approved`,
      );
  } while (cursor);
  return quotes;
}

async function backToDraft(deps: RecordDeps, quote: StoredRecord, why: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = attempt === 0 ? quote : await deps.store.get('quote', quote.id);
    if (!current || !DECIDED.has(String(current.status))) return;
    const next: StoredRecord = {
      ...current,
      status: 'draft',
      version: current.version + 1,
      updatedAt: deps.now().toISOString(),
      updatedBy: FLOW_ACTOR.id,
    };
    try {
      await deps.store.replace(
        RECORD_TYPES.quote,
        current,
        next,
        auditEntry(
          deps,
          RECORD_TYPES.quote,
          next,
          'update',
          [{ field: '/status', from: current.status, to: 'draft' }],
          { actor: FLOW_ACTOR, channel: 'system' },
          `Back to draft: ${why} after it was ${String(current.status)}, so it needs approval again`,
        ),
      );
      return;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= 4) throw error;
    }
  }
}

export const accountLifecycle: RecordLifecycle = {
  async prepare(deps, next, current) {
    if (!current) return {};
    const changed = TESTED.filter((field) => (next[field] ?? null) !== (current[field] ?? null));
    if (changed.length === 0) return {};
    const quotes = await quotesOf(deps, current.id);
    const pending = quotes.filter((q) => q.status === 'pending_approval');
    if (pending.length > 0)
      throw conflict(
        'approval-pending',
        'Quotes pending approval',
        `The account's ${changed.join(' and ')} cannot change while its quote${pending.length > 1 ? 's' : ''} ${pending
          .map((q) => q.id)
          .join(
            ', ',
          )} ${pending.length > 1 ? 'are' : 'is'} pending approval: the approvers judge the account as it is. Recall ${pending.length > 1 ? 'them' : 'it'} first; nothing was changed.`,
        { quotes: pending.map((q) => q.id) },
      );
    const why = changed
      .map(
        (field) =>
          `the account's ${field} changed from ${String(current[field] ?? 'none')} to ${String(next[field] ?? 'none')}`,
      )
      .join(' and ');
    for (const quote of quotes.filter((q) => DECIDED.has(String(q.status))))
      await backToDraft(deps, quote, why);
    return {};
  },
  async afterWrite() {},
};
