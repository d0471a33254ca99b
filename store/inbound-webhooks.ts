/**
 * Inbound webhook messages, kept raw from the moment their signature is verified:
 *
 *   a message   pk `inbound#{id}`   sk `INBOUND`     id = hash of (source, provider event id)
 *               byStatus index: `inbound#{status}` / `{receivedAt}#{id}`
 *
 * The id comes from the provider's own event id, and the message is stored under a condition, so
 * a provider's retry of the same event is a duplicate for as long as the message is kept (TTL 8
 * days; 30 once it failed, so an admin has time to replay it). Processing takes a lease, so two
 * copies of its queue message never process it at once, and `processed` is final.
 */
import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { INBOUND_STATUSES } from '#schemas/webhooks';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Page } from './record-store.ts';
import { INDEXES, KEY, TTL_ATTRIBUTE } from './table-design.ts';

export type InboundStatus = (typeof INBOUND_STATUSES)[number];

export interface InboundMessage {
  id: string;
  source: string;
  providerId: string;
  status: InboundStatus;
  receivedAt: string;
  attempts: number;
  body: string;
  /** The request headers that matter later (content type, the provider's event headers). */
  headers: Record<string, string>;
  processedAt?: string;
  error?: string;
  result?: Record<string, unknown>;
  /** When the sweeper last queued it again. */
  sweptAt?: string;
}

export const DEDUPE_DAYS = 8;
const FAILED_KEEP_DAYS = 30;
const key = (id: string) => ({ [KEY.pk]: `inbound#${id}`, [KEY.sk]: 'INBOUND' });
const statusPartition = (status: InboundStatus) => `inbound#${status}`;
const conditionFailed = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

/** The message id of a provider's event: the same event always has the same id. */
export const inboundId = (source: string, providerId: string) =>
  `inb_${createHash('sha256').update(`${source}\n${providerId}`).digest('hex').slice(0, 32)}`;

function fromItem(item: Record<string, unknown>): InboundMessage {
  const {
    [KEY.pk]: _pk,
    [KEY.sk]: _sk,
    [INDEXES.byStatus.pk]: _gpk,
    [INDEXES.byStatus.sk]: _gsk,
    [TTL_ATTRIBUTE]: _ttl,
    entity: _e,
    leaseUntil: _lease,
    ...message
  } = item;
  return message as unknown as InboundMessage;
}

export class InboundWebhookStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Keeps a verified message; false when the provider sent this event before. */
  async receive(message: InboundMessage): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(message.id),
            [INDEXES.byStatus.pk]: statusPartition(message.status),
            [INDEXES.byStatus.sk]: `${message.receivedAt}#${message.id}`,
            [TTL_ATTRIBUTE]: Math.floor(Date.parse(message.receivedAt) / 1000) + DEDUPE_DAYS * 86_400,
            entity: 'inbound-webhook',
            ...message,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async get(id: string): Promise<InboundMessage | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** Takes a received or failed message for processing until `leaseUntil`; undefined if it is not to be processed now. */
  async claim(id: string, now: Date, leaseUntil: Date): Promise<InboundMessage | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: 'SET #lease = :lease, #attempts = #attempts + :one',
          ConditionExpression:
            '(#status = :received OR #status = :failed) AND (attribute_not_exists(#lease) OR #lease < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#lease': 'leaseUntil', '#attempts': 'attempts' },
          ExpressionAttributeValues: {
            ':received': 'received',
            ':failed': 'failed',
            ':lease': leaseUntil.toISOString(),
            ':now': now.toISOString(),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** Processed: final; the result says what it did (the lead, the payment). */
  async processed(message: InboundMessage, at: Date, result: Record<string, unknown>): Promise<void> {
    await this.settle(message, 'processed', { processedAt: at.toISOString(), result }, ['error']);
  }

  /** Failed this time: kept for a retry of its queue message, or an admin's replay. */
  async failed(message: InboundMessage, at: Date, error: string): Promise<void> {
    await this.settle(
      message,
      'failed',
      { error: error.slice(0, 2000) },
      [],
      at.getTime() / 1000 + FAILED_KEEP_DAYS * 86_400,
    );
  }

  /** Back to received, for a replay. */
  async requeue(message: InboundMessage): Promise<void> {
    await this.settle(message, 'received', {}, ['leaseUntil']);
  }

  private async settle(
    message: InboundMessage,
    status: InboundStatus,
    fields: Record<string, unknown>,
    remove: string[],
    expiresAt?: number,
  ): Promise<void> {
    const set: Record<string, unknown> = {
      status,
      [INDEXES.byStatus.pk]: statusPartition(status),
      [INDEXES.byStatus.sk]: `${message.receivedAt}#${message.id}`,
      ...fields,
      ...(expiresAt ? { [TTL_ATTRIBUTE]: Math.floor(expiresAt) } : {}),
    };
    const names = Object.fromEntries(Object.keys(set).map((k, i) => [`#s${i}`, k]));
    const values = Object.fromEntries(Object.values(set).map((v, i) => [`:s${i}`, v]));
    const removeNames = Object.fromEntries(
      [...new Set(['leaseUntil', ...remove])].map((k, i) => [`#r${i}`, k]),
    );
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(message.id),
        UpdateExpression: `SET ${Object.keys(names)
          .map((n, i) => `${n} = :s${i}`)
          .join(', ')} REMOVE ${Object.keys(removeNames).join(', ')}`,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { ...names, ...removeNames, '#pk': KEY.pk },
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Notes that the sweeper queued a stale message again, so the next sweeps give the queue time. */
  async swept(id: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(id),
        UpdateExpression: 'SET #swept = :at',
        ExpressionAttributeNames: { '#swept': 'sweptAt' },
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }

  /** Messages in one state, newest first; `before` keeps to those received earlier (the sweeper's stale ones). */
  async listByStatus(
    status: InboundStatus,
    options: { limit: number; cursor?: string; before?: string; oldestFirst?: boolean },
  ): Promise<Page<InboundMessage>> {
    const partition = statusPartition(status);
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byStatus.name,
        KeyConditionExpression: `#pk = :pk${options.before ? ' AND #sk < :before' : ''}`,
        ExpressionAttributeNames: {
          '#pk': INDEXES.byStatus.pk,
          ...(options.before ? { '#sk': INDEXES.byStatus.sk } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(options.before ? { ':before': options.before } : {}),
        },
        ScanIndexForward: options.oldestFirst ?? false,
        Limit: options.limit,
        ...(options.cursor
          ? {
              ExclusiveStartKey: decodeCursor(
                options.cursor,
                [KEY.pk, KEY.sk, INDEXES.byStatus.pk, INDEXES.byStatus.sk],
                { attribute: INDEXES.byStatus.pk, value: partition },
              ),
            }
          : {}),
      }),
    );
    return { items: (page.Items ?? []).map(fromItem), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }
}
