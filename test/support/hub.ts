/**
 * A hub for one test file: its own tables in the project's shared DynamoDB Local, the SES and
 * SMS stand-ins and the HTTP API on free ports, and an API key per role. Everything a request
 * meets is real and reached over a socket.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type Hub, type HubOptions, startHub } from '#local/hub';
import type { Role } from '#schemas/common';

export interface TestHub extends Hub {
  api: ApiClient;
}

export async function startTestHub(
  options: { seed?: boolean } & Pick<
    HubOptions,
    | 'workflows'
    | 'resolveFunction'
    | 'timeScale'
    | 'throttlePublicRoutes'
    | 'accessLog'
    | 'log'
    | 'events'
    | 'webhookAllowPrivate'
  > = {},
): Promise<TestHub> {
  const suffix = randomBytes(4).toString('hex');
  const hub = await startHub({
    ports: { api: 0, dynamodb: 0, ses: 0, sms: 0 },
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tables: { records: `records-${suffix}`, idempotency: `idempotency-${suffix}` },
    seed: options.seed ?? false,
    ...(options.workflows ? { workflows: options.workflows } : {}),
    ...(options.resolveFunction ? { resolveFunction: options.resolveFunction } : {}),
    ...(options.timeScale ? { timeScale: options.timeScale } : {}),
    ...(options.throttlePublicRoutes ? { throttlePublicRoutes: true } : {}),
    ...(options.accessLog ? { accessLog: true } : {}),
    ...(options.log ? { log: options.log } : {}),
    // The stream and queue consumers only for the tests that look at events: the others spare the
    // machine the polling.
    events: options.events ?? false,
    ...(options.webhookAllowPrivate ? { webhookAllowPrivate: options.webhookAllowPrivate } : {}),
  });
  return { ...hub, api: new ApiClient(hub.urls.api, hub.keys) };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

interface CallOptions {
  /** Whose key to send; `null` sends none. Default: admin. */
  as?: Role | null;
  key?: string;
  body?: unknown;
  /** Sent as is, no JSON encoding. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies of many shapes; each asserts what it reads
type Json = any;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly keys: Record<Role, string>,
  ) {}

  async call<T = Json>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key ?? (options.as === null ? undefined : this.keys[options.as ?? 'admin']);
    if (key) headers['x-api-key'] = key;
    let body: string | Buffer | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get = (path: string, options?: CallOptions) => this.call('GET', path, options);
  post = (path: string, body?: unknown, options?: CallOptions) =>
    this.call('POST', path, { ...options, body });
  patch = (path: string, body: unknown, options?: CallOptions) =>
    this.call('PATCH', path, { ...options, body });
  put = (path: string, body: unknown, options?: CallOptions) => this.call('PUT', path, { ...options, body });
  delete = (path: string, options?: CallOptions) => this.call('DELETE', path, options);

  /** Every record of a collection, archived ones included, following cursors. */
  async all(collection: string, query = ''): Promise<Json[]> {
    const items: Json[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams(query);
      params.set('includeArchived', 'true');
      params.set('limit', '100');
      if (cursor) params.set('cursor', cursor);
      const page = await this.get(`/v1/${collection}?${params}`);
      if (page.status !== 200) throw new Error(`listing ${collection} failed: ${page.status} ${page.text}`);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  }
}
