import type { StoredRecord } from '#schemas/common';
import { TransactionConflictError, UniqueConflictError, VersionConflictError } from '#store/errors';
import { conflict, invalidFields, parseOrThrow, staleVersion } from '../../shared/errors.ts';
import { diff, etagOf, ifMatchAdmits, mergePatch } from '../domain/record-changes.ts';
import type { RecordType } from '../domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../ports.ts';
import { assertMayWrite } from './ownership.ts';
import {
  auditEntry,
  businessFields,
  loadRecord,
  resolveAndDerive,
  uniqueValueTaken,
  withRetries,
} from './record-service.ts';

/**
 * Applies a JSON merge patch to a record.
 * 1. Read the record; refuse if archived or locked by a workflow (409), or if the caller may not
 *    change it, or hand it to the new owner (403, ./ownership.ts).
 * 2. With If-Match, refuse a version other than the current one (412) — nothing is written.
 * 3. Merge the patch into the record's input fields and validate the result as a whole; fields
 *    fixed at creation (a quote's currency) may not change.
 * 4. Check references, re-derive server fields (and the lifecycle's: a ticket's SLA); a patch
 *    that changes nothing writes nothing.
 * 5. Write version + 1 and its audit entry in one transaction, conditioned on the version read.
 *    Losing that race answers 412 when the caller named a version, and retries otherwise.
 * 6. Let the lifecycle start what the change sets in motion (a new SLA schedule).
 */
export async function updateRecord(
  deps: RecordDeps,
  type: RecordType,
  id: string,
  patch: unknown,
  ifMatch: string | undefined,
  source: ChangeSource,
): Promise<StoredRecord> {
  return withRetries(
    async () => {
      const current = await loadRecord(deps, type, id);
      if (ifMatch !== undefined && !ifMatchAdmits(ifMatch, current.version)) throw stale(current);
      if (current.archived)
        throw conflict(
          'archived',
          'Record archived',
          `${type.label} ${id} is archived; restore it before editing.`,
        );
      const locked = type.lockedReason?.(current);
      if (locked)
        throw conflict('locked', 'Record locked', `${type.label} ${id} cannot be edited: ${locked}.`);

      await assertMayWrite(deps.store, source.writer, type, { current }, 'edit');
      const before = type.toInput(current);
      const merged = mergePatch(before, patch);
      const input = parseOrThrow(type.input, merged) as Record<string, unknown>;
      await assertMayWrite(deps.store, source.writer, type, { current, next: input }, 'edit');
      // Compared as inputs: a stored field may carry more than its input did (a priced line).
      const frozen = Object.entries(type.immutable ?? {}).filter(
        ([field]) => JSON.stringify(input[field]) !== JSON.stringify(before[field]),
      );
      if (frozen.length > 0) {
        throw invalidFields(
          frozen.map(([field, reason]) => ({ pointer: `/${field}`, detail: reason, code: 'immutable' })),
        );
      }
      const derived = await resolveAndDerive(deps, type, input, current);
      const lifecycle = await deps.lifecycleOf?.(type);
      // The lifecycle times what it records (clocks paused, started) by the change's updatedAt.
      const at = deps.now().toISOString();
      const draft = { ...input, ...derived, id: current.id, updatedAt: at } as StoredRecord;
      const prepared = lifecycle ? await lifecycle.prepare(deps, draft, current) : {};
      const changes = diff(businessFields(current), { ...input, ...derived, ...prepared });
      if (changes.length === 0) return current;

      const next: StoredRecord = {
        ...input,
        ...derived,
        ...prepared,
        id: current.id,
        version: current.version + 1,
        createdAt: current.createdAt,
        createdBy: current.createdBy,
        updatedAt: at,
        updatedBy: source.actor.id,
        archived: false,
      };
      try {
        await deps.store.replace(
          type,
          current,
          next,
          auditEntry(deps, type, next, 'update', changes, source, type.changeSummary?.(current, next)),
        );
      } catch (error) {
        if (error instanceof VersionConflictError && ifMatch !== undefined) throw stale(current, true);
        if (error instanceof UniqueConflictError) {
          throw uniqueValueTaken(type, error);
        }
        throw error;
      }
      await lifecycle?.afterWrite(deps, next, current);
      return next;
    },
    (error) =>
      error instanceof TransactionConflictError ||
      (error instanceof VersionConflictError && ifMatch === undefined),
  );
}

function stale(current: StoredRecord, raced = false) {
  return staleVersion(
    raced
      ? 'The record changed while this update was being written; nothing was changed. Fetch it again and retry.'
      : `If-Match does not match the current version ${etagOf(current.version)}; nothing was changed.`,
    raced ? {} : { currentETag: etagOf(current.version) },
  );
}
