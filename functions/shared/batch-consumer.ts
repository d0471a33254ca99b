/**
 * The one way a queue or stream consumer is built — the counterpart of ./http.ts and
 * ./workflow-task.ts for functions SQS or a DynamoDB stream invokes. Tracer → Logger → Metrics,
 * then Powertools batch processing with partial batch responses: a record that throws is reported
 * as a batch item failure, so only it is retried (SQS redelivers it after its visibility timeout
 * and moves it to the dead-letter queue after the queue's maxReceiveCount; a stream retries from
 * it), while the others count as done. The functions' event source mappings turn on
 * ReportBatchItemFailures (infra/stacks/events-stack.ts; the local hub does the same).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, publishMetrics, tracer } from '#platform/observability';

const wrap = <E>(fn: (event: E) => Promise<unknown>) =>
  middy<E, unknown>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(fn);

/** SQS messages, each parsed as JSON and handed over; several at once (they are independent). */
export function queueConsumer(handle: (body: unknown, record: SQSRecord) => Promise<void>) {
  const processor = new BatchProcessor(EventType.SQS);
  return wrap<SQSEvent>((event) =>
    processPartialResponse(
      event,
      async (record: SQSRecord) => {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          // Not ours to retry: a malformed message would fail every time. Logged, and dropped.
          logger.error('dropping a message that is not JSON', { messageId: record.messageId });
          return;
        }
        await handle(body, record);
      },
      processor,
      { processInParallel: true },
    ),
  );
}

/**
 * DynamoDB stream records, a whole batch at once: for work that is idempotent per record and
 * cheaper together (one queue send for many). A failure fails the batch, which the stream retries
 * (on AWS, halving it around the bad record first).
 */
export function streamConsumer(handle: (records: DynamoDBRecord[]) => Promise<void>) {
  return wrap<DynamoDBStreamEvent>(async (event) => {
    await handle(event.Records);
    return { batchItemFailures: [] };
  });
}
