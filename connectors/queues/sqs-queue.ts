/**
 * An SQS queue behind the MessageQueue port. Sends in batches of ten (SQS's limit), the batches at
 * once, and fails the whole call if any entry fails, so the caller's retry (a stream or queue redelivery) sends it again;
 * the consumers take duplicates once.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '#platform/observability';
import { MAX_DELAY_SECONDS, type MessageQueue, type QueuedMessage } from './message-queue.ts';

let shared: SQSClient | undefined;
const client = () => {
  // The endpoint is the region's, or AWS_ENDPOINT_URL_SQS (the local stand-in) — never the queue
  // URL's host, which locally names a host that need not resolve.
  shared ??= tracer.captureAWSv3Client(new SQSClient({ useQueueUrlAsEndpoint: false }));
  return shared;
};

export class SqsQueue implements MessageQueue {
  constructor(
    readonly queueUrl: string,
    private readonly sqs: SQSClient = client(),
  ) {}

  async send(messages: readonly QueuedMessage[]): Promise<void> {
    const batches: QueuedMessage[][] = [];
    for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
    await Promise.all(batches.map((batch) => this.sendBatch(batch)));
  }

  private async sendBatch(batch: readonly QueuedMessage[]): Promise<void> {
    const result = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: batch.map((message, n) => ({
          Id: String(n),
          MessageBody: message.body,
          ...(message.delaySeconds
            ? { DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(message.delaySeconds))) }
            : {}),
        })),
      }),
    );
    if (result.Failed?.length)
      throw new Error(
        `SQS refused ${result.Failed.length} of ${batch.length} messages: ${result.Failed.map((f) => f.Message ?? f.Code).join('; ')}`,
      );
  }
}
