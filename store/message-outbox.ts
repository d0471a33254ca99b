/**
 * The outbox: every message a flow sends is recorded here before it is sent, so a retried task
 * sends what is still unsent and nothing twice.
 *
 *   message   pk `outbox#{key}`   sk `MESSAGE`   the message per channel, each with its state (TTL)
 *
 * The key names the message, not the attempt (`approval-ask#…`, `sla-alert#…`), so every retry
 * of the task that sends it lands on the same item. Each channel moves on its own:
 *
 *   pending ──claim──▶ sending ──▶ sent | skipped (the provider refused, e.g. opted out)
 *                         │
 *                         ├──▶ failed (the provider answered with an error) ──claim──▶ sending …
 *                         └──▶ unconfirmed (found still "sending" by a later attempt)
 *
 * A claim is a conditional update, so two attempts never send one channel together. A channel
 * found "sending" belonged to an attempt that stopped between handing the message over and
 * noting it (a crash, a timeout): the message may have gone out, and neither SES nor SNS can be
 * asked, so it is marked unconfirmed and not sent again — once at most, and the history says so.
 *
 * The payload (the rendered message) stays only until its channel is sent or skipped: messages
 * may carry bearer links, which the table otherwise holds only as hashes.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentTransactItem } from './record-store.ts';
import { KEY, TTL_ATTRIBUTE } from './table-design.ts';

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed' | 'unconfirmed';

export interface Delivery {
  status: DeliveryStatus;
  /** The message as the sender takes it; removed once the channel is sent or skipped. */
  payload?: object;
  attempts: number;
  messageId?: string;
  /** Why the provider refused (skipped) or failed, for the history and operators. */
  reason?: string;
  at: string;
}

export interface OutboxEntry {
  key: string;
  /** What the message belongs to, e.g. the approval request whose link it carries. */
  ref: Record<string, string>;
  deliveries: Partial<Record<Channel, Delivery>>;
  createdAt: string;
}

export interface MessageIntent {
  ref?: Record<string, string>;
  messages: Partial<Record<Channel, object>>;
}

/** Long enough for any retry or redrive (Step Functions allows redrive for 14 days). */
const KEEP_SECONDS = 30 * 24 * 3600;
const outboxKey = (key: string) => ({ [KEY.pk]: `outbox#${key}`, [KEY.sk]: 'MESSAGE' });

/** What flows need of the outbox; MessageOutbox is the DynamoDB one, tests may hold one in memory. */
export interface Outbox {
  intentItem(key: string, intent: MessageIntent, now: Date): DocumentTransactItem;
  record(key: string, intent: MessageIntent, now: Date): Promise<OutboxEntry>;
  find(key: string): Promise<OutboxEntry | undefined>;
  claim(key: string, channel: Channel, now: Date): Promise<boolean>;
  settle(
    key: string,
    channel: Channel,
    outcome: { status: 'sent'; messageId: string } | { status: 'skipped' | 'failed'; reason: string },
    now: Date,
  ): Promise<void>;
  markUnconfirmed(key: string, channel: Channel, now: Date): Promise<void>;
}

export class MessageOutbox implements Outbox {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The item that records an intent, for a transaction that also writes what it belongs to. */
  intentItem(key: string, intent: MessageIntent, now: Date): DocumentTransactItem {
    const at = now.toISOString();
    const deliveries = Object.fromEntries(
      Object.entries(intent.messages).map(([channel, payload]) => [
        channel,
        { status: 'pending', payload, attempts: 0, at } satisfies Delivery,
      ]),
    );
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...outboxKey(key),
          entity: 'outbox-message',
          key,
          ref: intent.ref ?? {},
          deliveries,
          createdAt: at,
          [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Records the intent unless one is recorded under this key; answers the one that is. */
  async record(key: string, intent: MessageIntent, now: Date): Promise<OutboxEntry> {
    const { Put } = this.intentItem(key, intent, now);
    try {
      await this.db.send(new PutCommand(Put as NonNullable<typeof Put>));
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
    const entry = await this.find(key);
    if (!entry) throw new Error(`outbox entry ${key} vanished right after it was recorded`);
    return entry;
  }

  async find(key: string): Promise<OutboxEntry | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: outboxKey(key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      key: String(Item.key),
      ref: (Item.ref ?? {}) as Record<string, string>,
      deliveries: Item.deliveries as OutboxEntry['deliveries'],
      createdAt: String(Item.createdAt),
    };
  }

  /**
   * Takes a channel for sending: pending or failed → sending. Answers false when it is not
   * takeable (sent, skipped, unconfirmed, or another attempt's "sending").
   */
  async claim(key: string, channel: Channel, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxKey(key),
          UpdateExpression:
            'SET deliveries.#c.#s = :sending, deliveries.#c.#at = :at ADD deliveries.#c.#n :one',
          ConditionExpression: 'deliveries.#c.#s IN (:pending, :failed)',
          ExpressionAttributeNames: { '#c': channel, '#s': 'status', '#at': 'at', '#n': 'attempts' },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':pending': 'pending',
            ':failed': 'failed',
            ':at': now.toISOString(),
            ':one': 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Notes how a channel ended. Sent and skipped drop the payload; failed keeps it for the next attempt. */
  async settle(
    key: string,
    channel: Channel,
    outcome: { status: 'sent'; messageId: string } | { status: 'skipped' | 'failed'; reason: string },
    now: Date,
  ): Promise<void> {
    const values: Record<string, unknown> = { ':status': outcome.status, ':at': now.toISOString() };
    const sets = ['deliveries.#c.#s = :status', 'deliveries.#c.#at = :at'];
    if ('messageId' in outcome) {
      sets.push('deliveries.#c.messageId = :id');
      values[':id'] = outcome.messageId;
    }
    if ('reason' in outcome) {
      sets.push('deliveries.#c.reason = :reason');
      values[':reason'] = outcome.reason.slice(0, 500);
    }
    const drop = outcome.status === 'failed' ? '' : ' REMOVE deliveries.#c.payload';
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: outboxKey(key),
        UpdateExpression: `SET ${sets.join(', ')}${drop}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#c': channel, '#s': 'status', '#at': 'at' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * A channel left "sending" by an attempt that stopped: it will not be sent again, so its
   * payload goes. Does nothing if that attempt settled it meanwhile.
   */
  async markUnconfirmed(key: string, channel: Channel, now: Date): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxKey(key),
          UpdateExpression:
            'SET deliveries.#c.#s = :unconfirmed, deliveries.#c.#at = :at REMOVE deliveries.#c.payload',
          ConditionExpression: 'deliveries.#c.#s = :sending',
          ExpressionAttributeNames: { '#c': channel, '#s': 'status', '#at': 'at' },
          ExpressionAttributeValues: {
            ':unconfirmed': 'unconfirmed',
            ':sending': 'sending',
            ':at': now.toISOString(),
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}
