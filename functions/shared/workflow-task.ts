/**
 * The one way a workflow Task handler is built — the counterpart of ./http.ts for functions a
 * state machine invokes. Middlewares, outermost first:
 *   Tracer → Logger (the flow's id as correlation id) → Metrics → input checked with a zod schema
 *   → the task → errors named so the definition's Retry and Catch can tell them apart.
 *
 * Step Functions sees a failed invocation's error type as the thrown error's name. Transient
 * failures (throttling, a 5xx from AWS, a lost write race, a dropped connection) are renamed
 * `TransientError`, so a definition retries them with one rule; bad input is `InvalidTaskInput`,
 * which no retry can fix; anything else keeps its own name and goes to the Catch.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { logger, metrics, publishMetrics, tracer } from '#platform/observability';
import { TransactionConflictError, VersionConflictError } from '#store/errors';

/** A task's failure that a retry may cure. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** The task was invoked with input its schema refuses: a definition bug, never retried. */
export class InvalidTaskInput extends Error {
  override name = 'InvalidTaskInput';
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Whether an error is worth retrying: the SDK's own judgement, server faults, races, the network. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TransactionConflictError || error instanceof VersionConflictError) return true;
  const sdk = error as Error & { $retryable?: unknown; $fault?: string; code?: string };
  if (sdk.$retryable || sdk.$fault === 'server') return true;
  if (sdk.code && NETWORK_CODES.has(sdk.code)) return true;
  return [
    'ThrottlingException',
    'TooManyRequestsException',
    'ProvisionedThroughputExceededException',
  ].includes(error.name);
}

export function taskHandler<S extends z.ZodType, R>(
  schema: S,
  task: (input: z.output<S>, context: Context) => Promise<R>,
  options: { correlationId?: (input: z.output<S>) => string | undefined } = {},
) {
  return middy<unknown, R>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
        throw new InvalidTaskInput(`The task input is invalid: ${where.join('; ')}`);
      }
      const correlationId = options.correlationId?.(parsed.data);
      if (correlationId) logger.setCorrelationId(correlationId);
      try {
        return await task(parsed.data, context);
      } catch (error) {
        metrics.addMetric('TaskError', 'Count', 1);
        if (isTransient(error)) {
          logger.warn('task failed transiently; the workflow retries it', { error });
          throw new TransientError(`${(error as Error).name}: ${(error as Error).message}`, { cause: error });
        }
        // A failure its own definition retries on a longer clock (the ERP down) is not an error yet.
        if ((error as { retryable?: unknown }).retryable === true)
          logger.warn('task failed; the workflow retries it later', { error });
        else logger.error('task failed', { error });
        throw error;
      }
    });
}
