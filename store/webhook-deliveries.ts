/**
 * Outbound webhook deliveries (one per event and endpoint) and the log of their attempts:
 *
 *   a delivery   pk `webhook-delivery#{endpoint}#{event}`  sk `DELIVERY`
 *                byType index while pending: `webhook-due` / `{nextAttemptAt}#{endpoint}#{event}`
 *                byStatus index: `webhook-delivery#{endpoint}#{status}` / `{updatedAt}#{event}`
 *   an attempt   pk `webhook-endpoint#{endpoint}`  sk `ATTEMPT#{ulid}`   (beside the endpoint's record)
 *
 * A delivery is created once (a condition), so an event read twice is sent once. Sending takes a
 * short lease on it (a condition on its state, its due time and any lease), so two copies of its
 * queue message, or the sweeper's copy, never send it twice at once. Everything expires (TTL) after
 * 35 days, with the events it sends.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ATTEMPT_OUTCOMES, DELIVERY_STATUSES } from '#schemas/webhooks';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Page } from './record-store.ts';
import { INDEXES, KEY, TTL_ATTRIBUTE } from './table-design.ts';

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface Delivery {
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts that count towards the schedule: throttled ones do not. */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  /** The due time a queue message was sent for (so the sweeper leaves it to the queue). */
  enqueuedFor?: string;
  reason?: string;
}

export interface Attempt {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  at: string;
  outcome: AttemptOutcome;
  status?: number;
  latencyMs: number;
  response?: string;
  error?: string;
  nextAttemptAt?: string;
}

const KEEP_SECONDS = 35 * 86_400;
const DUE = 'webhook-due';
const key = (endpointId: string, eventId: string) => ({
  [KEY.pk]: `webhook-delivery#${endpointId}#${eventId}`,
  [KEY.sk]: 'DELIVERY',
});
const statusPartition = (endpointId: string, status: DeliveryStatus) =>
  `webhook-delivery#${endpointId}#${status}`;
const endpointPartition = (endpointId: string) => `webhook-endpoint#${endpointId}`;

/** The index attributes a delivery in this state carries. */
function indexesOf(delivery: Delivery): Record<string, string> {
  return {
    [INDEXES.byStatus.pk]: statusPartition(delivery.endpointId, delivery.status),
    [INDEXES.byStatus.sk]: `${delivery.updatedAt}#${delivery.eventId}`,
    ...(delivery.status === 'pending' && delivery.nextAttemptAt
      ? {
          [INDEXES.byType.pk]: DUE,
          [INDEXES.byType.sk]: `${delivery.nextAttemptAt}#${delivery.endpointId}#${delivery.eventId}`,
        }
      : {}),
  };
}

function fromItem(item: Record<string, unknown>): Delivery {
  const d = item as unknown as Delivery & { leaseUntil?: string };
  return {
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(d.lastAttemptAt ? { lastAttemptAt: d.lastAttemptAt } : {}),
    ...(d.nextAttemptAt ? { nextAttemptAt: d.nextAttemptAt } : {}),
    ...(d.enqueuedFor ? { enqueuedFor: d.enqueuedFor } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  };
}

const conditionFailed = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

export class WebhookDeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  private item(delivery: Delivery) {
    return {
      ...key(delivery.endpointId, delivery.eventId),
      ...indexesOf(delivery),
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(delivery.createdAt) / 1000) + KEEP_SECONDS,
      entity: 'webhook-delivery',
      ...delivery,
    };
  }

  /** Creates a pending delivery; false when the event was already given to this endpoint. */
  async create(delivery: Delivery): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(delivery),
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

  async get(endpointId: string, eventId: string): Promise<Delivery | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key(endpointId, eventId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Takes the delivery for one attempt, if it is pending, due and not being sent: a lease until
   * `leaseUntil`. Undefined when another copy of its message holds it, or it is done or not due.
   */
  async claim(
    endpointId: string,
    eventId: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<Delivery | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(endpointId, eventId),
          UpdateExpression: 'SET #lease = :lease',
          ConditionExpression:
            '#status = :pending AND #next <= :due AND (attribute_not_exists(#lease) OR #lease < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#next': 'nextAttemptAt', '#lease': 'leaseUntil' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':lease': leaseUntil.toISOString(),
            ':now': now.toISOString(),
            // A message may arrive a moment before its due time (queue delays are whole seconds).
            ':due': new Date(now.getTime() + 1_000).toISOString(),
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

  /** Writes the delivery's next state (from a claim, or a replay), giving up any lease. */
  async save(delivery: Delivery): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.item(delivery) }));
  }

  /**
   * The sweeper's re-queue: moves the due time to `dueAt` (and notes the message sent for it),
   * unless the delivery moved on or is being sent this moment (its lease).
   */
  async requeue(delivery: Delivery, dueAt: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(delivery.endpointId, delivery.eventId),
          UpdateExpression: 'SET #next = :due, #enq = :due, #gsk = :gsk',
          ConditionExpression:
            '#status = :pending AND #next = :was AND (attribute_not_exists(#lease) OR #lease < :now)',
          ExpressionAttributeNames: {
            '#next': 'nextAttemptAt',
            '#enq': 'enqueuedFor',
            '#gsk': INDEXES.byType.sk,
            '#status': 'status',
            '#lease': 'leaseUntil',
          },
          ExpressionAttributeValues: {
            ':due': dueAt,
            ':gsk': `${dueAt}#${delivery.endpointId}#${delivery.eventId}`,
            ':pending': 'pending',
            ':was': delivery.nextAttemptAt ?? '',
            ':now': now.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  /** Pending deliveries due at or before `now`, oldest first. */
  async due(now: Date, limit: number): Promise<Delivery[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byType.name,
        KeyConditionExpression: '#pk = :pk AND #sk <= :now',
        ExpressionAttributeNames: { '#pk': INDEXES.byType.pk, '#sk': INDEXES.byType.sk },
        ExpressionAttributeValues: { ':pk': DUE, ':now': `${now.toISOString()}~` },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(fromItem);
  }

  /** An endpoint's deliveries in one state, most recently changed first, from `since` on. */
  async listByStatus(
    endpointId: string,
    status: DeliveryStatus,
    options: { since?: string; until?: string; limit: number; cursor?: string },
  ): Promise<Page<Delivery>> {
    const partition = statusPartition(endpointId, status);
    const names: Record<string, string> = { '#pk': INDEXES.byStatus.pk };
    const values: Record<string, string> = { ':pk': partition };
    let range = '';
    if (options.since || options.until) {
      names['#sk'] = INDEXES.byStatus.sk;
      values[':from'] = options.since ?? '';
      values[':to'] = `${options.until ?? '9999'}~`;
      range = ' AND #sk BETWEEN :from AND :to';
    }
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byStatus.name,
        KeyConditionExpression: `#pk = :pk${range}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
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

  async logAttempt(attempt: Attempt): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [KEY.pk]: endpointPartition(attempt.endpointId),
          [KEY.sk]: `ATTEMPT#${attempt.id}`,
          [TTL_ATTRIBUTE]: Math.floor(Date.parse(attempt.at) / 1000) + KEEP_SECONDS,
          entity: 'webhook-attempt',
          ...attempt,
        },
      }),
    );
  }

  /** An endpoint's attempts, newest first; optionally one event's only. */
  async attempts(
    endpointId: string,
    options: { eventId?: string; limit: number; cursor?: string },
  ): Promise<Page<Attempt>> {
    const partition = endpointPartition(endpointId);
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :attempt)',
        ExpressionAttributeNames: {
          '#pk': KEY.pk,
          '#sk': KEY.sk,
          ...(options.eventId ? { '#event': 'eventId' } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ':attempt': 'ATTEMPT#',
          ...(options.eventId ? { ':event': options.eventId } : {}),
        },
        ...(options.eventId ? { FilterExpression: '#event = :event' } : {}),
        ScanIndexForward: false,
        Limit: options.limit,
        ...(options.cursor
          ? {
              ExclusiveStartKey: decodeCursor(options.cursor, [KEY.pk, KEY.sk], {
                attribute: KEY.pk,
                value: partition,
              }),
            }
          : {}),
      }),
    );
    const items = (page.Items ?? []).map((item) => {
      const { [KEY.pk]: _pk, [KEY.sk]: _sk, [TTL_ATTRIBUTE]: _ttl, entity: _e, ...attempt } = item;
      return attempt as Attempt;
    });
    return { items, nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }
}
