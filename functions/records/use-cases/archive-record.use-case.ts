import type { StoredRecord } from '#schemas/common';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { conflict, staleVersion } from '../../shared/errors.ts';
import { etagOf, ifMatchAdmits } from '../domain/record-changes.ts';
import type { RecordType } from '../domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../ports.ts';
import { assertMayWrite } from './ownership.ts';
import { auditEntry, loadRecord, withRetries } from './record-service.ts';

/**
 * Archives (DELETE) or restores a record. Records are never erased, so their history and the
 * records pointing at them stay readable.
 * 1. Read the record; with If-Match, refuse another version (412).
 * 2. Refuse to archive a record a workflow holds locked (409).
 * 3. Archiving an archived record (or restoring a live one) changes nothing and answers it as is.
 * 4. Otherwise write version + 1 with the flag flipped and its audit entry, in one transaction.
 */
export async function setArchived(
  deps: RecordDeps,
  type: RecordType,
  id: string,
  archived: boolean,
  ifMatch: string | undefined,
  source: ChangeSource,
): Promise<StoredRecord> {
  return withRetries(
    async () => {
      const current = await loadRecord(deps, type, id);
      await assertMayWrite(deps.store, source.writer, type, { current }, archived ? 'archive' : 'restore');
      if (ifMatch !== undefined && !ifMatchAdmits(ifMatch, current.version)) {
        throw staleVersion(
          `If-Match does not match the current version ${etagOf(current.version)}; nothing was changed.`,
          {
            currentETag: etagOf(current.version),
          },
        );
      }
      if (current.archived === archived) return current;
      const locked = archived ? type.lockedReason?.(current) : undefined;
      if (locked)
        throw conflict('locked', 'Record locked', `${type.label} ${id} cannot be archived: ${locked}.`);
      const next: StoredRecord = {
        ...current,
        archived,
        version: current.version + 1,
        updatedAt: deps.now().toISOString(),
        updatedBy: source.actor.id,
      };
      const change = [{ field: '/archived', from: current.archived, to: archived }];
      try {
        await deps.store.replace(
          type,
          current,
          next,
          auditEntry(deps, type, next, archived ? 'archive' : 'restore', change, source),
        );
      } catch (error) {
        if (error instanceof VersionConflictError && ifMatch !== undefined) {
          throw staleVersion('The record changed while this request was being written; nothing was changed.');
        }
        throw error;
      }
      return next;
    },
    (error) =>
      error instanceof TransactionConflictError ||
      (error instanceof VersionConflictError && ifMatch === undefined),
  );
}
