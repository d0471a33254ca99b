/**
 * What an edit of a lead through the records API does beyond its fields: an open lead given a new
 * email or phone (`PATCH /v1/leads/{id}`) takes that value's match key when it is free, so the
 * next submission with it merges into this lead instead of creating a second one. Loaded only by
 * lead writes (functions/records/domain/record-types.ts).
 */
import { logger, metrics } from '#platform/observability';
import type { StoredRecord } from '#schemas/common';
import { OPEN_LEAD_STATUSES } from '#schemas/records/lead';
import type { LeadRoutingStore, MatchKind } from '#store/lead-routing-store';
import type { RecordLifecycle } from '../../records/ports.ts';

const OPEN = new Set<string>(OPEN_LEAD_STATUSES);

/** The match keys a write gave the lead: email and phone values it did not have before. */
export function newMatchValues(
  record: StoredRecord,
  previous: StoredRecord | undefined,
): { kind: MatchKind; value: string }[] {
  if (record.archived || !OPEN.has(String(record.status))) return [];
  return (['email', 'phone'] as const).flatMap((kind) => {
    const value = record[kind];
    return typeof value === 'string' && value !== previous?.[kind] ? [{ kind, value }] : [];
  });
}

/** Claims the new values' free match keys; never throws: the write they follow stands either way. */
export async function claimNewMatchKeys(
  store: Pick<LeadRoutingStore, 'claimIfFree'>,
  record: StoredRecord,
  previous: StoredRecord | undefined,
): Promise<void> {
  const values = newMatchValues(record, previous);
  try {
    for (const { kind, value } of values) await store.claimIfFree(kind, value, record.id);
  } catch (error) {
    // A key is a hint: without it a later submission with this value may create a second lead.
    logger.warn('could not claim a lead match key', { error, leadId: record.id });
    metrics.addMetric('LeadMatchKeyNotClaimed', 'Count', 1);
  }
}

/** The lead's lifecycle over the store of match keys (built in functions/records/lifecycles.wiring.ts). */
export const leadLifecycle = (keys: Pick<LeadRoutingStore, 'claimIfFree'>): RecordLifecycle => ({
  // Server fields are carried over by the type's derive; nothing here needs other records.
  prepare: async () => ({}),
  afterWrite: (_deps, record, previous) => claimNewMatchKeys(keys, record, previous),
});
