/** Query-string paging shared by every list: `limit` and `cursor`, with bad cursors as 400s. */
import { PageQuery } from '#schemas/api';
import { InvalidCursorError } from '#store/errors';
import { fieldErrors, InvalidRequest, invalidRequest } from './errors.ts';

export function invalidQuery(
  error: Parameters<typeof fieldErrors>[0],
  detail = 'The query string is invalid.',
) {
  return new InvalidRequest('invalid-query', 'Invalid query', detail, { errors: fieldErrors(error) });
}

export function pageQuery(query: Record<string, string>): { limit: number; cursor?: string } {
  const parsed = PageQuery.safeParse(query);
  if (!parsed.success) throw invalidQuery(parsed.error);
  return { limit: parsed.data.limit, ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) };
}

/** Runs a store read that takes a client's cursor, turning a forged or foreign cursor into a 400. */
export async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw invalidRequest(`Invalid cursor: ${error.message}.`);
    throw error;
  }
}
