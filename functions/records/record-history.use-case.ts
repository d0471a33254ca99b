import { PageQuery } from '#schemas/api';
import type { AuditEntry } from '#schemas/audit';
import { InvalidCursorError } from '#store/errors';
import type { Page } from '#store/record-store';
import { badRequest, fieldErrors, HttpProblem } from '../shared/problem.ts';
import { loadRecord, type RecordDeps } from './record-service.ts';
import type { RecordType } from './record-types.ts';

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
  const parsed = PageQuery.safeParse(query);
  if (!parsed.success)
    throw new HttpProblem(400, 'invalid-query', 'Invalid query', 'The query string is invalid.', {
      errors: fieldErrors(parsed.error),
    });
  await loadRecord(deps, type, id);
  try {
    return await deps.store.history(type.name, id, parsed.data.limit, parsed.data.cursor);
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badRequest(`Invalid cursor: ${error.message}.`);
    throw error;
  }
}
