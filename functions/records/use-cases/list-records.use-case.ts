import * as z from 'zod';
import { PageQuery } from '#schemas/api';
import type { StoredRecord } from '#schemas/common';
import type { Page } from '#store/record-store';
import { invalidRequest } from '../../shared/errors.ts';
import { invalidQuery, withCursor } from '../../shared/paging.ts';
import type { RecordType } from '../domain/record-types.ts';
import type { RecordDeps } from '../ports.ts';

/**
 * Lists records of a type, newest first, one page at a time.
 * 1. Validate the query: paging, the type's filters, includeArchived; unknown parameters refused.
 * 2. Query the index of the first indexed filter (by owner, status, account, queue), or the
 *    by-type index; other filters narrow that query. Never a Scan.
 */
export async function listRecords(
  deps: RecordDeps,
  type: RecordType,
  query: Record<string, string>,
): Promise<Page<StoredRecord>> {
  const schema = PageQuery.extend({
    ...Object.fromEntries(
      Object.entries(type.filters).map(([name, filter]) => [name, filter.schema.optional()]),
    ),
    includeArchived: z.enum(['true', 'false']).optional(),
  });
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw invalidQuery(
      parsed.error,
      `The query string is invalid; filters here: ${Object.keys(type.filters).join(', ') || 'none'}.`,
    );
  }
  const { limit, cursor, includeArchived, ...filterValues } = parsed.data as Record<string, unknown> & {
    limit: number;
    cursor?: string;
    includeArchived?: 'true' | 'false';
  };
  const filters = Object.entries(filterValues)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => {
      const filter = type.filters[name];
      if (!filter) throw invalidRequest(`Unknown filter ${name}.`);
      return {
        field: filter.field,
        value: value as string | boolean,
        ...(filter.index ? { index: filter.index } : {}),
      };
    })
    // Indexed filters first: the store drives the query by the first one.
    .sort((a, b) => Number(b.index !== undefined) - Number(a.index !== undefined));
  return withCursor(() =>
    deps.store.list(type, {
      filters,
      limit,
      ...(cursor ? { cursor } : {}),
      includeArchived: includeArchived === 'true',
    }),
  );
}
