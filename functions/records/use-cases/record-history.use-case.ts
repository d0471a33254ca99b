import type { AuditEntry } from '#schemas/audit';
import type { Page } from '#store/record-store';
import { pageQuery, withCursor } from '../../shared/paging.ts';
import type { RecordType } from '../domain/record-types.ts';
import type { RecordDeps } from '../ports.ts';
import { loadRecord } from './record-service.ts';

/**
 * A record's history, newest first: every change (who, which fields from what to what, when,
 * through which channel) and every event flows recorded against it.
 */
export async function recordHistory(
  deps: RecordDeps,
  type: RecordType,
  id: string,
  query: Record<string, string>,
): Promise<Page<AuditEntry>> {
  const { limit, cursor } = pageQuery(query);
  await loadRecord(deps, type, id);
  return withCursor(() => deps.store.history(type.name, id, limit, cursor));
}
