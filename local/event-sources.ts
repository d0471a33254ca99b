/**
 * What Lambda's event source mappings and EventBridge rules do on AWS, done locally for the same
 * handler modules:
 *   - queue pollers: receive from each SQS queue (long polling), invoke its consumer with an SQS
 *     event, delete what succeeded, and leave the reported batch item failures to come back after
 *     the visibility timeout (the queue's redrive policy moves them to its dead-letter queue);
 *   - the stream poller: read the records table's DynamoDB stream shard by shard, in order, invoke
 *     the stream consumer, and move past a batch only when it succeeded — from the first reported
 *     failure otherwise — keeping its place in a checkpoint file, so a restarted hub carries on
 *     where it stopped and nothing committed is missed;
 *   - the sweeper's timer.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { invoke, LOCAL_ACCOUNT, LOCAL_REGION } from './lambda.ts';
import type { LocalQueue } from './sqs-local.ts';

export interface Stoppable {
  stop(): Promise<void>;
}

type BatchResponse = { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One loop per unit of concurrency per queue, each receiving up to the queue's batch size. */
export function startQueuePollers(
  sqs: SQSClient,
  queues: readonly LocalQueue[],
  log: (line: string) => void,
): Stoppable {
  let running = true;
  const loops: Promise<void>[] = [];
  for (const queue of queues) {
    const arn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:junction-${queue.design.name}`;
    for (let n = 0; n < queue.design.localConcurrency; n++)
      loops.push(
        (async () => {
          while (running) {
            try {
              const { Messages } = await sqs.send(
                new ReceiveMessageCommand({
                  QueueUrl: queue.url,
                  MaxNumberOfMessages: queue.design.batchSize,
                  // Short enough that stopping the hub never waits long.
                  WaitTimeSeconds: 1,
                  MessageSystemAttributeNames: ['All'],
                }),
              );
              if (!running || !Messages?.length) continue;
              const event: SQSEvent = {
                Records: Messages.map(
                  (m): SQSRecord => ({
                    messageId: m.MessageId ?? '',
                    receiptHandle: m.ReceiptHandle ?? '',
                    body: m.Body ?? '',
                    attributes: (m.Attributes ?? {}) as unknown as SQSRecord['attributes'],
                    messageAttributes: {},
                    md5OfBody: m.MD5OfBody ?? '',
                    eventSource: 'aws:sqs',
                    eventSourceARN: arn,
                    awsRegion: LOCAL_REGION,
                  }),
                ),
              };
              let failed = new Set(Messages.map((m) => m.MessageId ?? ''));
              try {
                const response = (await invoke(
                  queue.design.consumer,
                  event,
                  queue.design.timeoutSeconds * 1000,
                )) as BatchResponse;
                failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
              } catch (error) {
                log(`${queue.design.consumer} failed: ${(error as Error).stack ?? String(error)}`);
              }
              const done = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
              if (done.length)
                await sqs.send(
                  new DeleteMessageBatchCommand({
                    QueueUrl: queue.url,
                    Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
                  }),
                );
            } catch (error) {
              if (running) {
                log(`polling ${queue.design.name}: ${(error as Error).message}`);
                await sleep(500);
              }
            }
          }
        })(),
      );
  }
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * The Streams client reads an empty map attribute (`{"M":{}}`) back as `{}`, which no unmarshaller
 * accepts; an attribute value with no type can only have been that, so it is restored — Lambda
 * hands functions `{"M":{}}`.
 */
function repaired(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const attribute = value as Record<string, unknown>;
  const keys = Object.keys(attribute);
  if (keys.length === 0) return { M: {} };
  if (attribute.M) return { M: repairedImage(attribute.M as Record<string, unknown>) };
  if (Array.isArray(attribute.L)) return { L: attribute.L.map(repaired) };
  return attribute;
}
const repairedImage = (image: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(image).map(([k, v]) => [k, repaired(v)]));

type LambdaImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/** Lambda's shape of a stream record, from the Streams API's. */
function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID ?? '',
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    eventSourceARN: streamArn,
    dynamodb: {
      // The Streams client's AttributeValue and aws-lambda's are the same JSON under two type names.
      ...(d.Keys ? { Keys: d.Keys as LambdaImage } : {}),
      ...(d.NewImage ? { NewImage: repairedImage(d.NewImage) as LambdaImage } : {}),
      ...(d.OldImage ? { OldImage: repairedImage(d.OldImage) as LambdaImage } : {}),
      SequenceNumber: d.SequenceNumber ?? '',
      SizeBytes: d.SizeBytes ?? 0,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
      ...(d.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
    },
  };
}

export interface StreamPollerOptions {
  endpoint: string;
  streamArn: string;
  handler: string;
  /** Which records reach the handler, as the event source mapping's filter criteria on AWS. */
  filter?: { eventName: string; sortKey: string; sortKeyPrefix: string };
  batchSize: number;
  timeoutMs: number;
  /** Where the poller keeps its place (per shard: the last sequence number done); memory if absent. */
  checkpointFile?: string;
  log: (line: string) => void;
  /** How often an idle shard is read again. */
  idleMs?: number;
}

export function startStreamPoller(options: StreamPollerOptions): Stoppable {
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const checkpoints: Record<string, string | 'closed'> =
    options.checkpointFile && existsSync(options.checkpointFile)
      ? (JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, string>)
      : {};
  const save = () => {
    if (options.checkpointFile) writeFileSync(options.checkpointFile, JSON.stringify(checkpoints));
  };
  const iterators = new Map<string, string>();
  let running = true;

  const iteratorFor = async (shard: Shard): Promise<string | undefined> => {
    const id = shard.ShardId ?? '';
    const cached = iterators.get(id);
    if (cached) return cached;
    const after = checkpoints[id];
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: options.streamArn,
        ShardId: id,
        ...(after && after !== 'closed'
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    if (ShardIterator) iterators.set(id, ShardIterator);
    return ShardIterator;
  };

  /** Reads one batch of a shard; answers whether it had records (so the loop does not idle). */
  const readShard = async (shard: Shard): Promise<boolean> => {
    const id = shard.ShardId ?? '';
    const iterator = await iteratorFor(shard);
    if (!iterator) return false;
    const { Records, NextShardIterator } = await streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize }),
    );
    const all = Records ?? [];
    // As Lambda does, records the filter drops are passed over: done, never delivered.
    const filter = options.filter;
    const records = filter
      ? all.filter(
          (r) =>
            r.eventName === filter.eventName &&
            String(r.dynamodb?.Keys?.[filter.sortKey]?.S ?? '').startsWith(filter.sortKeyPrefix),
        )
      : all;
    const lastRead = all.at(-1)?.dynamodb?.SequenceNumber;
    if (records.length) {
      const event: DynamoDBStreamEvent = {
        Records: records.map((r) => toLambdaRecord(r, options.streamArn)),
      };
      let firstFailed: string | undefined;
      try {
        const response = (await invoke(options.handler, event, options.timeoutMs)) as BatchResponse;
        firstFailed = response?.batchItemFailures?.[0]?.itemIdentifier;
      } catch (error) {
        options.log(`${options.handler} failed: ${(error as Error).stack ?? String(error)}`);
        firstFailed = records[0]?.dynamodb?.SequenceNumber;
      }
      if (firstFailed) {
        // As Lambda does: the batch is retried from the record that failed; what came before it is done.
        const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === firstFailed);
        const done = index > 0 ? records[index - 1]?.dynamodb?.SequenceNumber : undefined;
        if (done) checkpoints[id] = done;
        save();
        iterators.delete(id);
        await sleep(500);
        return false;
      }
    }
    if (lastRead) {
      checkpoints[id] = lastRead;
      save();
    }
    if (NextShardIterator) iterators.set(id, NextShardIterator);
    else {
      iterators.delete(id);
      checkpoints[id] = 'closed';
      save();
    }
    return all.length > 0;
  };

  const loop = (async () => {
    let shards: Shard[] = [];
    let described = 0;
    while (running) {
      try {
        if (Date.now() - described > 5_000 || shards.length === 0) {
          const { StreamDescription } = await streams.send(
            new DescribeStreamCommand({ StreamArn: options.streamArn }),
          );
          shards = StreamDescription?.Shards ?? [];
          described = Date.now();
        }
        // Parents before children, as a shard's records come before its successors'.
        const open = shards.filter(
          (s) =>
            checkpoints[s.ShardId ?? ''] !== 'closed' &&
            !(
              s.ParentShardId &&
              shards.some((p) => p.ShardId === s.ParentShardId) &&
              checkpoints[s.ParentShardId] !== 'closed'
            ),
        );
        let busy = false;
        for (const shard of open) busy = (await readShard(shard)) || busy;
        if (!busy) await sleep(options.idleMs ?? 100);
      } catch (error) {
        if (!running) break;
        const name = (error as Error).name;
        if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') iterators.clear();
        else options.log(`reading the table's stream: ${(error as Error).message}`);
        await sleep(500);
      }
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
      streams.destroy();
    },
  };
}

/** Invokes a handler on a timer, one run at a time. */
export function startTimer(
  handler: string,
  everyMs: number,
  timeoutMs: number,
  log: (line: string) => void,
): Stoppable {
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(everyMs);
      if (!running) break;
      await invoke(handler, { source: 'aws.events', 'detail-type': 'Scheduled Event' }, timeoutMs).catch(
        (error: unknown) => log(`${handler} failed: ${(error as Error).stack ?? String(error)}`),
      );
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
