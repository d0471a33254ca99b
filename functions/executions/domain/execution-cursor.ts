/**
 * Cursors of the executions list. A list across workflows merges one list per state machine,
 * so its cursor holds a position in each: the Step Functions page token the position is on,
 * and the last execution taken from that page (its start time and ARN) — an execution that
 * changed status since cannot shift the rest by one. A list by record holds the record
 * partition's DynamoDB key (store/cursor.ts). Both carry a fingerprint of the filters, so a
 * cursor used with other filters is a clear 400, never a page of something else.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { InvalidCursorError } from '#store/errors';

/** Where a workflow's list resumes; null once it is exhausted. */
export const Position = z
  .strictObject({
    /** The page token of the page to read again (absent: the first page). */
    t: z.string().min(1).max(4096).optional(),
    /** The last execution taken from that page: start time (epoch ms) and ARN. */
    d: z.number().int().nonnegative().optional(),
    a: z.string().min(1).max(300).optional(),
  })
  .nullable();
export type Position = z.infer<typeof Position>;

const Cursor = z.union([
  z.strictObject({ f: z.string().length(16), w: z.record(z.string().max(80), Position) }),
  z.strictObject({ f: z.string().length(16), k: z.string().min(1).max(2048) }),
]);
type Cursor = z.infer<typeof Cursor>;

export const filterFingerprint = (filters: readonly (string | undefined)[]) =>
  createHash('sha256')
    .update(JSON.stringify(filters.map((f) => f ?? null)))
    .digest('base64url')
    .slice(0, 16);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decode(text: string, fingerprint: string): Cursor {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('the cursor is malformed');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is malformed');
  }
  const cursor = Cursor.safeParse(parsed);
  if (!cursor.success) throw new InvalidCursorError('the cursor is malformed');
  if (cursor.data.f !== fingerprint)
    throw new InvalidCursorError('the cursor belongs to a list with other filters');
  return cursor.data;
}

/** Positions by workflow, each among `workflows`. */
export function decodeWorkflowsCursor(
  text: string,
  fingerprint: string,
  workflows: readonly string[],
): Record<string, Position> {
  const cursor = decode(text, fingerprint);
  if (!('w' in cursor)) throw new InvalidCursorError('the cursor does not belong to this list');
  for (const workflow of Object.keys(cursor.w))
    if (!workflows.includes(workflow))
      throw new InvalidCursorError('the cursor does not belong to this list');
  return cursor.w;
}

/** The record partition's cursor (store/cursor.ts) inside. */
export function decodeRecordCursor(text: string, fingerprint: string): string {
  const cursor = decode(text, fingerprint);
  if (!('k' in cursor)) throw new InvalidCursorError('the cursor does not belong to this list');
  return cursor.k;
}
