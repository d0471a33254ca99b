import type { StoredRecord } from '#schemas/common';
import { UniqueConflictError } from '#store/errors';
import { parseOrThrow } from '../../shared/errors.ts';
import { diff, firstVersion } from '../domain/record-changes.ts';
import type { RecordType } from '../domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../ports.ts';
import { assertMayWrite } from './ownership.ts';
import { auditEntry, businessFields, resolveAndDerive, uniqueValueTaken } from './record-service.ts';

/**
 * Creates a record.
 * 1. Validate the body against the type's schema (unknown fields refused).
 *    The caller may create it for this owner (./ownership.ts: sales only for themselves), and an
 *    integration key set a product's price only with the pricing grant (403).
 * 2. Check every referenced record exists and is not archived.
 * 3. Derive server-owned fields (a quote's priced lines and totals), and those the type's
 *    lifecycle prepares from other records (a ticket's SLA).
 * 4. Write the record at version 1, its audit entry and its unique-value claims in one transaction.
 * 5. Let the lifecycle start what the new record sets in motion (a ticket's SLA workflow).
 */
export async function createRecord(
  deps: RecordDeps,
  type: RecordType,
  body: unknown,
  source: ChangeSource,
): Promise<StoredRecord> {
  const input = parseOrThrow(type.input, body) as Record<string, unknown>;
  await assertMayWrite(deps.store, source.writer, type, { next: input }, 'create');
  const derived = await resolveAndDerive(deps, type, input);
  const now = deps.now().toISOString();
  let record: StoredRecord = {
    ...input,
    ...derived,
    id: deps.newId(type.idPrefix),
    ...firstVersion(now, source.actor.id),
  };
  const lifecycle = await deps.lifecycleOf?.(type);
  if (lifecycle) record = { ...record, ...(await lifecycle.prepare(deps, record, undefined)) };
  const audit = auditEntry(deps, type, record, 'create', diff({}, businessFields(record)), source);
  try {
    await deps.store.create(type, record, audit);
  } catch (error) {
    if (error instanceof UniqueConflictError) {
      throw uniqueValueTaken(type, error);
    }
    throw error;
  }
  await lifecycle?.afterWrite(deps, record, undefined);
  return record;
}
