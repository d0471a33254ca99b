/**
 * The Step Functions wire protocol: AWS JSON 1.0 over HTTP (`POST /`, the operation in
 * `X-Amz-Target: AWSStepFunctions.<Operation>`), so `@aws-sdk/client-sfn` and the AWS CLI work
 * unchanged against `AWS_ENDPOINT_URL_SFN`. Errors carry AWS's `__type` and HTTP 400.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfnApiError } from './api-errors.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Generous enough for a 256 KiB payload escaped inside a JSON request. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type Operations = Record<string, (body: Record<string, unknown>) => Promise<unknown>>;

export interface SfnHttpServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export async function startSfnHttpServer(options: {
  port: number;
  host: string;
  operations: Operations;
  log: (line: string) => void;
}): Promise<SfnHttpServer> {
  const handle = async (req: IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const text = await readBody(req);
    if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX))
      return failure(
        new SfnApiError(
          'UnknownOperationException',
          `Unknown operation: ${target || `${req.method} ${req.url}`}`,
        ),
      );
    const operation = options.operations[target.slice(TARGET_PREFIX.length)];
    if (!operation)
      return failure(new SfnApiError('UnknownOperationException', `Unknown operation: ${target}`));
    if (text === undefined) return failure(new SfnApiError('ValidationException', 'Request body too large'));
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return failure(new SfnApiError('SerializationException', 'Request body is not valid JSON'));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return failure(new SfnApiError('SerializationException', 'Request body must be a JSON object'));
    try {
      return { status: 200, body: await operation(body as Record<string, unknown>) };
    } catch (error) {
      if (error instanceof SfnApiError) return failure(error);
      options.log(`${target} failed: ${(error as Error).stack ?? String(error)}`);
      return {
        status: 500,
        body: { __type: 'InternalFailure', message: 'The request processing has failed.' },
      };
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req)
      .then(({ status, body }) => {
        const payload = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': CONTENT_TYPE,
          'content-length': Buffer.byteLength(payload),
          'x-amzn-requestid': randomUUID(),
        });
        res.end(payload);
      })
      .catch((error: unknown) => {
        options.log(`Step Functions stand-in failure: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': CONTENT_TYPE });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: 'The request processing has failed.' }));
      });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const failure = (error: SfnApiError) => ({
  status: 400,
  body: { __type: error.type, message: error.message },
});

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
