/**
 * Pagination cursors: DynamoDB's LastEvaluatedKey, base64url-encoded. On the way back in, a
 * cursor must have exactly the key attributes of the query that issued it and the same
 * partition value, so a forged or stale cursor is a clear 400, never a database error or a
 * peek into another partition.
 */
import { InvalidCursorError } from './errors.ts';

export type KeyMap = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  if (!key) return null;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(
  cursor: string,
  attributes: readonly string[],
  partition: { attribute: string; value: string },
): KeyMap {
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw new InvalidCursorError('the cursor is malformed');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is malformed');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidCursorError('the cursor is malformed');
  }
  const entries = Object.entries(parsed);
  const expected = new Set(attributes);
  if (
    entries.length !== expected.size ||
    !entries.every(([k, v]) => expected.has(k) && typeof v === 'string' && v.length <= 1024)
  ) {
    throw new InvalidCursorError('the cursor does not belong to this list');
  }
  const key = Object.fromEntries(entries) as KeyMap;
  if (key[partition.attribute] !== partition.value)
    throw new InvalidCursorError('the cursor does not belong to this list');
  return key;
}
