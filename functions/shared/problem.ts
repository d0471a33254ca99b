/**
 * Errors as RFC 9457 problem details. Every 4xx/5xx the API returns is one of these, so clients
 * handle one shape; validation problems list each failing field as a JSON Pointer.
 */
import type { z } from 'zod';

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the request body or query, e.g. `/lines/0/quantity`. */
  pointer: string;
  detail: string;
  code: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: `/problems/${this.slug}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const badRequest = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(400, 'bad-request', 'Bad request', detail, extensions);
export const malformedJson = (detail: string) =>
  new HttpProblem(400, 'malformed-json', 'Malformed JSON', detail);
export const unauthenticated = (detail: string) =>
  new HttpProblem(
    401,
    'unauthenticated',
    'Authentication required',
    detail,
    {},
    { 'www-authenticate': 'ApiKey' },
  );
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);
export const notFound = (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail);
export const conflict = (slug: string, title: string, detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(409, slug, title, detail, extensions);
export const preconditionFailed = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(412, 'precondition-failed', 'Precondition failed', detail, extensions);
export const payloadTooLarge = (limit: number) =>
  new HttpProblem(413, 'payload-too-large', 'Payload too large', `The request body exceeds ${limit} bytes.`);
export const unsupportedMediaType = (got: string | undefined, accepted: readonly string[], method: string) =>
  new HttpProblem(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    `Content-Type ${got ? `"${got}"` : '(none)'} is not accepted here; send ${accepted.join(' or ')}.`,
    {},
    // Where the protocol has a header for what is accepted, say it there too.
    method === 'PATCH'
      ? { 'accept-patch': accepted.join(', ') }
      : method === 'POST'
        ? { 'accept-post': accepted.join(', ') }
        : {},
  );
export const unprocessable = (
  slug: string,
  title: string,
  detail: string,
  extensions?: Record<string, unknown>,
) => new HttpProblem(422, slug, title, detail, extensions);

export function validationProblem(errors: FieldError[], where: 'body' | 'query' = 'body'): HttpProblem {
  const fields = errors.length === 1 ? 'One field is' : `${errors.length} fields are`;
  return new HttpProblem(
    422,
    'validation-failed',
    'Validation failed',
    `${fields} invalid in the request ${where}.`,
    {
      errors,
    },
  );
}

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

/** Parses with a schema, turning failures into one 422 problem. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' = 'body',
  prefix: readonly PropertyKey[] = [],
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(fieldErrors(result.error, prefix), where);
  return result.data;
}
