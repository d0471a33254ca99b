/**
 * Recent events, for `GET /v1/events` and for the deliveries that send them:
 *
 *   an event          pk `event#{id}`          sk `EVENT`        the event, TTL 35 days
 *   by time           byType index: `event#{day}` / `{timestamp}#{id}`
 *
 * The time index is split by UTC day, so a busy day's writes spread over partitions of their own
 * rather than one for all time; a listing walks the days from the newest back to its `since`.
 * Written with a condition, so the stream delivering a change twice stores it once.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { JunctionEvent } from '#schemas/events';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { InvalidCursorError } from './errors.ts';
import { INDEXES, KEY, TTL_ATTRIBUTE } from './table-design.ts';

/** Kept a little longer than the 30 days the API promises. */
export const EVENT_RETENTION_DAYS = 35;
const DAY_MS = 86_400_000;
const ENTITY = 'event';

const dayOf = (iso: string) => iso.slice(0, 10);
const key = (id: string) => ({ [KEY.pk]: `${ENTITY}#${id}`, [KEY.sk]: 'EVENT' });

export interface EventPage {
  items: JunctionEvent[];
  nextCursor: string | null;
}

export interface EventFilter {
  /** Exact type, or a prefix ending in `.` (from a `quote.*` pattern). */
  type?: { exact: string } | { prefix: string };
  since: Date;
  limit: number;
  cursor?: string;
}

export class EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Stores an event; answers false when it was stored already (the same change read twice). */
  async put(event: JunctionEvent): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(event.id),
            [INDEXES.byType.pk]: `${ENTITY}#${dayOf(event.timestamp)}`,
            [INDEXES.byType.sk]: `${event.timestamp}#${event.id}`,
            [TTL_ATTRIBUTE]: Math.floor(Date.parse(event.timestamp) / 1000) + EVENT_RETENTION_DAYS * 86_400,
            entity: ENTITY,
            event,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async get(id: string): Promise<JunctionEvent | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(id) }));
    return Item?.event as JunctionEvent | undefined;
  }

  /**
   * Newest first, from now back to `since`, one day's partition after another; a type filter is
   * applied to each Query, and a page keeps reading until it is full or the days run out.
   */
  async list(filter: EventFilter, now: Date): Promise<EventPage> {
    const oldest = dayOf(filter.since.toISOString());
    let { day, startKey } = filter.cursor
      ? this.decode(filter.cursor)
      : { day: dayOf(now.toISOString()), startKey: undefined };
    const items: JunctionEvent[] = [];
    while (day >= oldest) {
      const partition = `${ENTITY}#${day}`;
      const input: QueryCommandInput = {
        TableName: this.tableName,
        IndexName: INDEXES.byType.name,
        KeyConditionExpression: '#pk = :pk AND #sk >= :since',
        ExpressionAttributeNames: { '#pk': INDEXES.byType.pk, '#sk': INDEXES.byType.sk },
        ExpressionAttributeValues: { ':pk': partition, ':since': filter.since.toISOString() },
        ScanIndexForward: false,
        Limit: filter.limit - items.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      };
      if (filter.type) {
        input.FilterExpression =
          'exact' in filter.type ? '#event.#type = :type' : 'begins_with(#event.#type, :type)';
        Object.assign(input.ExpressionAttributeNames ?? {}, { '#event': 'event', '#type': 'type' });
        Object.assign(input.ExpressionAttributeValues ?? {}, {
          ':type': 'exact' in filter.type ? filter.type.exact : filter.type.prefix,
        });
      }
      const page = await this.db.send(new QueryCommand(input));
      items.push(...(page.Items ?? []).map((item) => item.event as JunctionEvent));
      if (page.LastEvaluatedKey) {
        if (items.length >= filter.limit)
          return { items, nextCursor: this.encode(day, page.LastEvaluatedKey) };
        startKey = page.LastEvaluatedKey as Record<string, string>;
        continue;
      }
      day = dayOf(new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString());
      startKey = undefined;
      if (items.length >= filter.limit)
        return { items, nextCursor: day >= oldest ? this.encode(day, undefined) : null };
    }
    return { items, nextCursor: null };
  }

  private encode(day: string, startKey: Record<string, unknown> | undefined): string {
    return Buffer.from(JSON.stringify({ day, key: encodeCursor(startKey) }), 'utf8').toString('base64url');
  }

  private decode(cursor: string): { day: string; startKey: Record<string, string> | undefined } {
    let parsed: { day?: unknown; key?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
    } catch {
      throw new InvalidCursorError('the cursor is malformed');
    }
    if (typeof parsed.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(parsed.day))
      throw new InvalidCursorError('the cursor is malformed');
    const startKey =
      typeof parsed.key === 'string'
        ? decodeCursor(parsed.key, [KEY.pk, KEY.sk, INDEXES.byType.pk, INDEXES.byType.sk], {
            attribute: INDEXES.byType.pk,
            value: `${ENTITY}#${parsed.day}`,
          })
        : undefined;
    return { day: parsed.day, startKey };
  }
}
