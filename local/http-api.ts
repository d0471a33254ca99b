/**
 * A local stand-in for API Gateway HTTP APIs: it matches routes from the same route table the
 * CDK stack deploys, calls the Lambda authorizer, and feeds handlers payload-format-2.0 events,
 * mapping their results back as API Gateway would (including its limits: 10 MB bodies, a
 * 30-second integration timeout, and its own plain messages for those two).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { invoke, LambdaTimeoutError, LOCAL_ACCOUNT, LOCAL_REGION } from './lambda.ts';

export interface LocalRoute {
  method: string;
  path: string;
  handler: string;
  /** Whether the authorizer runs before the handler. */
  authorized: boolean;
  /** The route's own throttle, as API Gateway's stage route settings apply it. */
  throttle?: { rateLimit: number; burstLimit: number };
}

export interface HttpApiOptions {
  port: number;
  host?: string;
  routes: readonly LocalRoute[];
  /** Handler for requests no route matches (API Gateway's `$default` route). */
  defaultHandler: string;
  authorizer: string;
  /**
   * One line per request: method, the matched route (its template, never the path: approval and
   * survey links are bearer credentials), status and time.
   */
  log?: (line: string) => void;
  /** Integration timeout; API Gateway's is 30 s. */
  timeoutMs?: number;
}

export interface HttpApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES =
  /^(text\/|application\/(json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|x-www-form-urlencoded|javascript))/i;

interface CompiledRoute extends LocalRoute {
  regex: RegExp;
  params: string[];
  staticSegments: number;
}

function compile(route: LocalRoute): CompiledRoute {
  const params: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return {
    ...route,
    regex: new RegExp(`^${pattern}$`),
    params,
    staticSegments: route.path.split('/').filter((s) => s && !s.startsWith('{')).length,
  };
}

function match(routes: CompiledRoute[], method: string, path: string) {
  let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(path);
    if (!m) continue;
    // API Gateway prefers the most specific route: more literal segments win.
    if (best && best.route.staticSegments >= route.staticSegments) continue;
    const params = Object.fromEntries(route.params.map((name, i) => [name, safeDecode(m[i + 1] ?? '')]));
    best = { route, params };
  }
  return best;
}

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  params: Record<string, string> | undefined,
) {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/).filter(Boolean));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // API Gateway tells the function how the client called (https there); here it is plain http.
  // Inbound webhook signatures that cover the URL (HubSpot v3) are checked against it.
  headers['x-forwarded-proto'] = 'http';
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(params && Object.keys(params).length ? { pathParameters: params } : {}),
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
  return event;
}

function authorizerEvent(event: APIGatewayProxyEventV2): APIGatewayRequestAuthorizerEventV2 {
  const { method, path } = event.requestContext.http;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:local/$default/${method}${path}`,
    identitySource: [],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers as Record<string, string>,
    queryStringParameters: (event.queryStringParameters ?? {}) as Record<string, string>,
    requestContext: event.requestContext,
    pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
    stageVariables: {},
  };
}

type Reply = { status: number; headers: Record<string, string>; cookies: string[]; body: Buffer };

const gatewayMessage = (status: number, message: string): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

/** Maps a payload-2.0 result the way API Gateway does: structured, or a bare value as JSON. */
function toReply(result: unknown): Reply {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, unknown>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers = Object.fromEntries(
      Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    const body =
      r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
    return { status: r.statusCode, headers, cookies: r.cookies ?? [], body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body),
  };
}

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const routes = options.routes.map(compile);
  const timeoutMs = options.timeoutMs ?? 30_000;

  const buckets = new Map<string, { tokens: number; at: number }>();
  /** API Gateway's token bucket: `burstLimit` tokens, refilled at `rateLimit` per second. */
  const admitted = (routeKey: string, throttle: NonNullable<LocalRoute['throttle']>) => {
    const now = performance.now();
    const bucket = buckets.get(routeKey) ?? { tokens: throttle.burstLimit, at: now };
    bucket.tokens = Math.min(
      throttle.burstLimit,
      bucket.tokens + ((now - bucket.at) / 1000) * throttle.rateLimit,
    );
    bucket.at = now;
    buckets.set(routeKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  /** Answers a request, and names the route template it matched for the access log. */
  async function handle(req: IncomingMessage): Promise<Reply & { route: string }> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const found = match(routes, req.method ?? 'GET', url.pathname);
    const routeKey = found ? `${found.route.method} ${found.route.path}` : '$default';
    const reply = await answer(req, url, found, routeKey);
    return { ...reply, route: found?.route.path ?? '(no route)' };
  }

  async function answer(
    req: IncomingMessage,
    url: URL,
    found: ReturnType<typeof match>,
    routeKey: string,
  ): Promise<Reply> {
    if (found?.route.throttle && !admitted(routeKey, found.route.throttle))
      return gatewayMessage(429, 'Too Many Requests');
    const body = await readBody(req);
    if (body === 'too-large') return gatewayMessage(413, 'Request Entity Too Large');
    const event = toEvent(req, url, body, routeKey, found?.params);
    try {
      if (found?.route.authorized) {
        const auth = (await invoke(options.authorizer, authorizerEvent(event), timeoutMs)) as {
          isAuthorized: boolean;
          context?: Record<string, unknown>;
        };
        if (!auth.isAuthorized) return gatewayMessage(403, 'Forbidden');
        (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: auth.context ?? {} };
      }
      return toReply(await invoke(found?.route.handler ?? options.defaultHandler, event, timeoutMs));
    } catch (error) {
      if (error instanceof LambdaTimeoutError) return gatewayMessage(503, 'Service Unavailable');
      options.log?.(`handler failed: ${(error as Error).stack ?? String(error)}`);
      return gatewayMessage(500, 'Internal Server Error');
    }
  }

  const server: Server = createServer((req, res: ServerResponse) => {
    const started = performance.now();
    handle(req)
      .then((reply) => {
        if (reply.cookies.length) res.setHeader('set-cookie', reply.cookies);
        for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
        res.setHeader('content-length', reply.body.length);
        res.writeHead(reply.status);
        res.end(req.method === 'HEAD' ? undefined : reply.body);
        options.log?.(
          `${req.method} ${reply.route} ${reply.status} ${(performance.now() - started).toFixed(0)}ms`,
        );
      })
      .catch((error: unknown) => {
        options.log?.(`local API failure: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
