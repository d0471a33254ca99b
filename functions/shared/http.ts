/**
 * The one way an API handler is built. Middlewares, outermost first:
 *   Tracer → Logger (correlation id) → Metrics → problem+json errors → authentication and the
 *   route's roles → JSON body → idempotency (creates only) → the operation.
 * The route table (functions/routes.ts) is the single source of which roles may call what, so
 * no handler can forget the check.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { logger, metrics, publishMetrics, tracer } from '#platform/observability';
import { type Route, routeFor } from '../routes.ts';
import { type HttpEvent, type Principal, principalOf, requireRole } from './auth.ts';
import { DomainError } from './errors.ts';
import {
  badRequest,
  HttpProblem,
  malformedJson,
  payloadTooLarge,
  problemOf,
  unprocessable,
  unsupportedMediaType,
} from './problem.ts';

/** Bodies larger than this are refused before parsing; records are small. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ApiRequest {
  event: HttpEvent;
  route: Route;
  principal: Principal;
  /** Parsed JSON body; undefined when the route takes none. */
  body: unknown;
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Facts about the client for the audit trail. */
  client: { ip: string; userAgent: string; correlationId: string };
}

export interface ApiResult {
  status: number;
  body?: unknown;
  /** A body sent as is instead of JSON (an HTML page); its content-type goes in `headers`. */
  raw?: string;
  headers?: Record<string, string>;
}

export type Operation = (request: ApiRequest, context: Context) => Promise<ApiResult>;

interface HandlerOptions {
  /**
   * Media types the body may have; omit for routes without a body. JSON types are parsed as
   * JSON; `application/x-www-form-urlencoded` (an HTML form) into an object of strings.
   */
  accepts?: readonly string[];
  /** Refuse larger bodies with 413; default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** A request may come without a body (its fields all have defaults); GET, HEAD and DELETE never need one. */
  optionalBody?: boolean;
  /**
   * Honours the Idempotency-Key header (routes that create things): pass `idempotency()` from
   * ./idempotency.ts, which only those handlers load.
   */
  idempotency?: HttpMiddleware;
}

/** What the middlewares learn about a request, handed to the operation on the Lambda context. */
type Prepared = { route?: Route; principal?: Principal; body?: unknown };
export type ApiContext = Context & { prepared?: Prepared };
export type HttpMiddleware = MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2, Error, ApiContext>;

const prepared = (context: ApiContext): Prepared => {
  context.prepared ??= {};
  return context.prepared;
};

const json = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** The caller's `x-correlation-id`, else API Gateway's request id. */
const correlationIdOf = (event: HttpEvent) =>
  event.headers['x-correlation-id'] ?? event.requestContext.requestId;

/** Puts the correlation id on every log line of the request (set directly: cheaper than a JMESPath search per request). */
const correlation = (): HttpMiddleware => ({
  before: async (request) => {
    logger.setCorrelationId(correlationIdOf(request.event));
  },
});

/** Turns every thrown error into problem+json; unknown errors become a 500 that leaks nothing. */
const problemErrors = (): HttpMiddleware => ({
  onError: async (request) => {
    const error = request.error;
    const instance = request.event?.rawPath;
    const problem =
      error instanceof HttpProblem
        ? error
        : error instanceof DomainError
          ? problemOf(error)
          : fromLibraryError(error);
    if (problem.status >= 500) logger.error('request failed', { error });
    else logger.info('request refused', { status: problem.status, problem: problem.slug });
    metrics.addMetric(problem.status >= 500 ? 'ServerError' : 'ClientError', 'Count', 1);
    request.response = {
      statusCode: problem.status,
      headers: {
        'content-type': 'application/problem+json',
        ...(request.event ? { 'x-correlation-id': correlationIdOf(request.event) } : {}),
        ...problem.headers,
      },
      body: JSON.stringify(problem.toBody(instance)),
    };
  },
});

function fromLibraryError(error: Error | null | undefined): HttpProblem {
  switch (error?.name) {
    case 'IdempotencyValidationError':
      return unprocessable(
        'idempotency-key-reused',
        'Idempotency-Key reused',
        'This Idempotency-Key was already used with a different request body.',
      );
    case 'IdempotencyAlreadyInProgressError':
      return new HttpProblem(
        409,
        'request-in-progress',
        'Request in progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
        {},
        { 'retry-after': '1' },
      );
    default:
      return new HttpProblem(
        500,
        'internal',
        'Internal error',
        'The request failed on our side; it is safe to retry.',
      );
  }
}

const authenticate = (): HttpMiddleware => ({
  before: async (request) => {
    const route = routeFor(request.event.routeKey);
    if (!route) throw new HttpProblem(404, 'not-found', 'Not found', `No route ${request.event.routeKey}.`);
    prepared(request.context).route = route;
    if (route.access === 'public') return;
    const principal = principalOf(request.event);
    requireRole(principal, route.access, route.summary.toLowerCase());
    prepared(request.context).principal = principal;
    logger.appendKeys({ principal: principal.id, role: principal.role });
  },
});

const mediaType = (header: string | undefined) => header?.split(';')[0]?.trim().toLowerCase();

const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7E]+$/, { error: 'must be printable ASCII without spaces' });

export const FORM_TYPE = 'application/x-www-form-urlencoded';

/** An HTML form's fields; a field sent twice is ambiguous, so refused rather than guessed. */
function parseForm(raw: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    if (Object.hasOwn(fields, name)) throw badRequest(`The form field "${name.slice(0, 64)}" is sent twice.`);
    fields[name] = value;
  }
  return fields;
}

const BODILESS = new Set(['GET', 'HEAD', 'DELETE']);

const jsonBody = (
  accepts: readonly string[] | undefined,
  maxBytes = MAX_BODY_BYTES,
  optional = false,
): HttpMiddleware => ({
  before: async (request) => {
    const { event } = request;
    const key = event.headers['idempotency-key'];
    if (key !== undefined && !IdempotencyKeyHeader.safeParse(key).success) {
      throw badRequest('The Idempotency-Key header must be 1–255 printable ASCII characters.');
    }
    if (!accepts) return;
    const raw =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw payloadTooLarge(maxBytes);
    const type = mediaType(event.headers['content-type']);
    if (raw.length === 0 && (optional || BODILESS.has(event.requestContext.http.method))) return;
    if (raw.length === 0)
      throw badRequest(`This request needs a ${accepts.includes(FORM_TYPE) ? '' : 'JSON '}body.`);
    if (!type || !accepts.includes(type))
      throw unsupportedMediaType(type, accepts, event.requestContext.http.method);
    if (type === FORM_TYPE) {
      prepared(request.context).body = parseForm(raw);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      throw malformedJson(`The body is not valid JSON: ${(error as Error).message}.`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('The body must be a JSON object.');
    prepared(request.context).body = body;
  },
});

const ANONYMOUS: Principal = { id: 'anonymous', name: 'anonymous', role: 'integration', kind: 'api-key' };

function toRequest(event: HttpEvent, context: ApiContext): ApiRequest {
  const { route, principal, body } = context.prepared ?? {};
  if (!route) throw new Error('route not resolved');
  const headers = Object.fromEntries(
    Object.entries(event.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
  );
  const query = Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
  );
  const path = Object.fromEntries(
    Object.entries(event.pathParameters ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
  );
  return {
    event,
    route,
    principal: principal ?? ANONYMOUS,
    body,
    path,
    query,
    headers,
    client: {
      ip: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent,
      correlationId: correlationIdOf(event),
    },
  };
}

export function httpHandler(operation: Operation, options: HandlerOptions = {}) {
  const handler = middy<HttpEvent, APIGatewayProxyStructuredResultV2, Error, ApiContext>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(correlation())
    .use(publishMetrics())
    .use(problemErrors())
    .use(authenticate())
    .use(jsonBody(options.accepts, options.maxBodyBytes, options.optionalBody));
  if (options.idempotency) handler.use(options.idempotency);
  return handler.handler(async (event, context) => {
    const request = toRequest(event, context);
    const result = await operation(request, context);
    if (result.raw !== undefined)
      return {
        statusCode: result.status,
        headers: { 'x-correlation-id': request.client.correlationId, ...result.headers },
        body: result.raw,
      };
    return json(result.status, result.body, {
      'x-correlation-id': request.client.correlationId,
      ...result.headers,
    });
  });
}
