/**
 * Runs Lambda handler modules in-process, the way the Lambda runtime would call them: one event,
 * a context with a deadline, the handler's promise. Used by the local HTTP API and any other
 * local service that invokes functions.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

// biome-ignore lint/suspicious/noExplicitAny: handlers take many event shapes; each caller knows its own
export type AnyHandler = (event: any, context: Context) => Promise<unknown>;

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** The file of a handler named as in the route table, e.g. `records/create-record`. */
export const handlerFile = (name: string) => join(REPO_ROOT, 'functions', `${name}.handler.ts`);

const cache = new Map<string, Promise<AnyHandler>>();

export function loadHandler(name: string): Promise<AnyHandler> {
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = import(pathToFileURL(handlerFile(name)).href).then((module: { handler?: AnyHandler }) => {
      if (typeof module.handler !== 'function')
        throw new Error(`functions/${name}.handler.ts exports no handler`);
      return module.handler;
    });
    cache.set(name, loaded);
  }
  return loaded;
}

export const functionNameOf = (handler: string) => `junction-${handler.replace(/\//g, '-')}`;

export function lambdaContext(handler: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const functionName = functionNameOf(handler);
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
}

/** Invokes a handler with a deadline; a handler still running at the deadline fails like a timed-out Lambda. */
export async function invoke(handler: string, event: unknown, timeoutMs: number): Promise<unknown> {
  const fn = await loadHandler(handler);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaTimeoutError(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([fn(event, lambdaContext(handler, timeoutMs)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
