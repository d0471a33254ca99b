/**
 * Errors as RFC 9457 problem details. Every 4xx/5xx the API returns is one of these, so clients
 * handle one shape; validation problems list each failing field as a JSON Pointer. Use cases
 * throw domain errors (./errors.ts); `problemOf` is the one place they get their HTTP status.
 */
import {
  Conflict,
  Contention,
  type DomainError,
  type FieldError,
  InvalidFields,
  InvalidRequest,
  NotAllowed,
  NotFound,
  Rejected,
  StaleVersion,
  TooManyRequests,
  Unavailable,
} from './errors.ts';

export type { FieldError } from './errors.ts';

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

/** The one place a domain error gets its HTTP status and headers. */
export function problemOf(error: DomainError): HttpProblem {
  const status =
    error instanceof InvalidFields
      ? 422
      : error instanceof InvalidRequest
        ? 400
        : error instanceof NotAllowed
          ? 403
          : error instanceof NotFound
            ? 404
            : error instanceof Conflict || error instanceof Contention
              ? 409
              : error instanceof StaleVersion
                ? 412
                : error instanceof Rejected
                  ? 422
                  : error instanceof TooManyRequests
                    ? 429
                    : error instanceof Unavailable
                      ? 503
                      : 500;
  const retryAfter: Record<string, string> =
    error instanceof TooManyRequests || error instanceof Unavailable || error instanceof Contention
      ? { 'retry-after': String(error.retryAfterSeconds) }
      : {};
  return new HttpProblem(status, error.code, error.title, error.detail, error.details, retryAfter);
}
