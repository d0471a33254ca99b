/** Hand-built API Gateway HTTP API (payload 2.0) events and a Lambda context, as AWS sends them. */
import type {
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import type { AuthContext, HttpEvent } from '#functions/shared/auth';
import type { Role } from '#schemas/common';

export const authenticatedAs = (
  role: Role,
  principalId = 'key_01JDTESTKEY',
): Extract<AuthContext, { authenticated: true }> => ({
  authenticated: true,
  principalId,
  principalName: `${role} integration`,
  role,
  kind: 'api-key',
});

export interface HttpEventOptions {
  /** `METHOD /route/{param}` as declared in the route table. */
  routeKey: string;
  /** The path the client asked for. */
  rawPath: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  /** What the authorizer passed on; `{}` is what API Gateway hands over when it passed nothing. */
  auth?: AuthContext | Record<string, never>;
}

export function httpEvent(options: HttpEventOptions): HttpEvent {
  const method = options.routeKey.split(' ')[0] ?? 'GET';
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: options.rawPath,
    rawQueryString: '',
    headers: { 'user-agent': 'crm-sync/1.0', ...options.headers },
    ...(options.queryStringParameters ? { queryStringParameters: options.queryStringParameters } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3',
      domainName: 'api.junction.example',
      domainPrefix: 'api',
      http: {
        method,
        path: options.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'crm-sync/1.0',
      },
      requestId: 'gw-request-1',
      routeKey: options.routeKey,
      stage: '$default',
      time: '01/Mar/2026:09:00:00 +0000',
      timeEpoch: 1_772_355_600_000,
      authorizer: { lambda: options.auth ?? authenticatedAs('admin') },
    },
  };
}

/** The same event as API Gateway would send it with no authorizer result at all. */
export function withoutAuthorizer(event: HttpEvent): HttpEvent {
  const { authorizer: _dropped, ...requestContext } = event.requestContext;
  // The event type makes `authorizer` mandatory; this builds the malformed event on purpose.
  return { ...event, requestContext } as unknown as HttpEvent;
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'junction-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:junction-api',
    memoryLimitInMB: '512',
    awsRequestId: 'lambda-request-1',
    logGroupName: '/aws/lambda/junction-api',
    logStreamName: '2026/03/01/[$LATEST]abc',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function authorizerEvent(headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-central-1:123456789012:a1b2c3/$default/GET/v1/me',
    identitySource: [],
    routeKey: 'GET /v1/me',
    rawPath: '/v1/me',
    rawQueryString: '',
    cookies: [],
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3',
      domainName: 'api.junction.example',
      domainPrefix: 'api',
      http: {
        method: 'GET',
        path: '/v1/me',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'crm-sync/1.0',
      },
      requestId: 'gw-request-1',
      routeKey: 'GET /v1/me',
      stage: '$default',
      time: '01/Mar/2026:09:00:00 +0000',
      timeEpoch: 1_772_355_600_000,
    },
  };
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies come in many shapes; each test asserts the fields it reads
  body: any;
  raw: string;
}

/** Reads a handler's structured result the way a client would. */
export function parseResponse(
  result: APIGatewayProxyStructuredResultV2 | string | undefined,
): ParsedResponse {
  if (result === undefined || typeof result === 'string') throw new Error(`unexpected result: ${result}`);
  const raw = result.body ?? '';
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  return { status: result.statusCode ?? 200, headers, body: raw ? JSON.parse(raw) : undefined, raw };
}
