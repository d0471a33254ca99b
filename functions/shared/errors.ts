/**
 * The errors use cases throw: named for what went wrong in the domain, not for an HTTP status.
 * The edge (./problem.ts `problemOf`, used by ./http.ts) turns each into RFC 9457 problem details,
 * so the status and the response shape are chosen in one place; a workflow task or a script that
 * calls a use case meets the same errors without any HTTP in them.
 *
 * Each error carries a stable `code` (the problem type's slug), a short title, the detail for a
 * person, and `details` for a program (the problem's extension members).
 */
import type { z } from 'zod';

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the request body or query, e.g. `/lines/0/quantity`. */
  pointer: string;
  detail: string;
  code: string;
}

export abstract class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(detail);
  }
  get detail(): string {
    return this.message;
  }
}

/** The request itself is malformed: a bad cursor, a query that does not parse. */
export class InvalidRequest extends DomainError {
  override name = 'InvalidRequest';
}
/** One or more fields are invalid; `fields` says which and why. */
export class InvalidFields extends DomainError {
  override name = 'InvalidFields';
  constructor(
    readonly fields: FieldError[],
    readonly where: 'body' | 'query' = 'body',
  ) {
    const count = fields.length === 1 ? 'One field is' : `${fields.length} fields are`;
    super('validation-failed', 'Validation failed', `${count} invalid in the request ${where}.`, {
      errors: fields,
    });
  }
}
/** The caller may not do this (ownership, grants, who submitted). */
export class NotAllowed extends DomainError {
  override name = 'NotAllowed';
  constructor(detail: string) {
    super('forbidden', 'Forbidden', detail);
  }
}
/** There is no such thing, or not for this caller. */
export class NotFound extends DomainError {
  override name = 'NotFound';
  constructor(detail: string) {
    super('not-found', 'Not found', detail);
  }
}
/** The thing is in a state that does not allow this (pending, locked, taken, archived). */
export class Conflict extends DomainError {
  override name = 'Conflict';
}
/** Others are changing the same thing right now; nothing was written, retry after `retryAfterSeconds`. */
export class Contention extends DomainError {
  override name = 'Contention';
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super('write-conflict', 'Write conflict', detail);
  }
}
/** The caller's version of the thing is not the current one (If-Match). */
export class StaleVersion extends DomainError {
  override name = 'StaleVersion';
  constructor(detail: string, details: Record<string, unknown> = {}) {
    super('precondition-failed', 'Precondition failed', detail, details);
  }
}
/** Well-formed, but a business rule refuses it (nobody can approve, a link expired). */
export class Rejected extends DomainError {
  override name = 'Rejected';
}
/** Too many requests from one client; retry after `retryAfterSeconds`. */
export class TooManyRequests extends DomainError {
  override name = 'TooManyRequests';
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too-many-requests', 'Too many requests', detail);
  }
}
/** Something the use case depends on is down; nothing was changed, retry after `retryAfterSeconds`. */
export class Unavailable extends DomainError {
  override name = 'Unavailable';
  constructor(
    code: string,
    title: string,
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, title, detail);
  }
}

export const notFound = (detail: string) => new NotFound(detail);
export const notAllowed = (detail: string) => new NotAllowed(detail);
export const conflict = (code: string, title: string, detail: string, details?: Record<string, unknown>) =>
  new Conflict(code, title, detail, details);
export const staleVersion = (detail: string, details?: Record<string, unknown>) =>
  new StaleVersion(detail, details);
export const rejected = (code: string, title: string, detail: string, details?: Record<string, unknown>) =>
  new Rejected(code, title, detail, details);
export const invalidRequest = (detail: string, details?: Record<string, unknown>) =>
  new InvalidRequest('bad-request', 'Bad request', detail, details);
export const invalidFields = (fields: FieldError[], where: 'body' | 'query' = 'body') =>
  new InvalidFields(fields, where);

const escapePointer = (segment: PropertyKey) => String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
export const toPointer = (path: readonly PropertyKey[]) => path.map((p) => `/${escapePointer(p)}`).join('');

/** Flattens zod issues into field errors; unknown keys become one error per key. */
export function fieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: toPointer([...path, key]),
        detail: 'is not a known field',
        code: 'unknown_field',
      }));
    }
    return [{ pointer: toPointer(path), detail: issue.message, code: issue.code }];
  });
}

/** Parses with a schema, turning failures into one InvalidFields. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' = 'body',
  prefix: readonly PropertyKey[] = [],
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidFields(fieldErrors(result.error, prefix), where);
  return result.data;
}
