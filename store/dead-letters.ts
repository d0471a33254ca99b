/**
 * Dead letters: workflow executions that spent their retries (or met an error no retry can fix)
 * and stopped, kept with what is needed to run them again. A flow's last Catch sends it through
 * a task that records one here before it fails (functions/executions/record-dead-letter.handler.ts);
 * an admin lists them and replays one (a new execution from the state it failed in).
 *
 *   a dead letter       pk `dead-letter#{workflow}#{execution}`  sk `DEAD-LETTER`
 *   newest first        byType index: `dead-letter` / `{failedAt}#{workflow}#{execution}`
 *
 * One per failed execution: its task retried writes nothing new. A replay is appended under a
 * condition on the replays already there, so two admins clicking at once start one execution.
 * Kept (TTL) for a year and 90 days, as the executions they describe.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Actor } from '#schemas/audit';
import type { DEAD_LETTER_STATUSES } from '#schemas/dead-letter';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { INDEXES, KEY, TTL_ATTRIBUTE } from './table-design.ts';

export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

export interface Replay {
  at: string;
  by: Actor;
  /** The execution the replay started. */
  execution: string;
}

export interface DeadLetter {
  workflow: string;
  /** The failed execution's name. */
  execution: string;
  record?: { type: string; id: string };
  /** The flow's state when it failed, without the error: what a replay starts from. */
  state: Record<string, unknown>;
  error: string;
  cause?: string;
  failedAt: string;
  status: DeadLetterStatus;
  replays: Replay[];
  discarded?: { at: string; by: Actor; reason: string };
}

const ENTITY = 'dead-letter';
const KEEP_SECONDS = (365 + 90) * 24 * 3600;
const key = (workflow: string, execution: string) => ({
  [KEY.pk]: `${ENTITY}#${workflow}#${execution}`,
  [KEY.sk]: 'DEAD-LETTER',
});

/** Another write got there first: the letter was replayed or discarded meanwhile. */
export class DeadLetterMovedError extends Error {
  override name = 'DeadLetterMovedError';
}

function fromItem(item: Record<string, unknown>): DeadLetter {
  const {
    [KEY.pk]: _pk,
    [KEY.sk]: _sk,
    [INDEXES.byType.pk]: _gpk,
    [INDEXES.byType.sk]: _gsk,
    [TTL_ATTRIBUTE]: _ttl,
    entity: _e,
    ...letter
  } = item;
  return letter as unknown as DeadLetter;
}

export class DeadLetterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Keeps a dead letter; the same execution's letter again changes nothing (false). */
  async record(letter: Omit<DeadLetter, 'status' | 'replays'>): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(letter.workflow, letter.execution),
            entity: ENTITY,
            [INDEXES.byType.pk]: ENTITY,
            [INDEXES.byType.sk]: `${letter.failedAt}#${letter.workflow}#${letter.execution}`,
            ...letter,
            status: 'open',
            replays: [],
            [TTL_ATTRIBUTE]: Math.floor(Date.parse(letter.failedAt) / 1000) + KEEP_SECONDS,
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

  async get(workflow: string, execution: string): Promise<DeadLetter | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key(workflow, execution), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** Newest first, optionally of one status or workflow; the cursor resumes the list. */
  async list(options: {
    status?: DeadLetterStatus;
    workflow?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    const index = INDEXES.byType;
    let startKey: Record<string, unknown> | undefined = options.cursor
      ? decodeCursor(options.cursor, [KEY.pk, KEY.sk, index.pk, index.sk], {
          attribute: index.pk,
          value: ENTITY,
        })
      : undefined;
    const filters = [
      ...(options.status ? ['#status = :status'] : []),
      ...(options.workflow ? ['#workflow = :workflow'] : []),
    ];
    const items: DeadLetter[] = [];
    // A filter may leave a page short: read on, a bounded number of pages, before answering.
    for (let i = 0; i < 10 && items.length < options.limit; i++) {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#gpk = :entity',
          ExpressionAttributeNames: {
            '#gpk': index.pk,
            ...(options.status ? { '#status': 'status' } : {}),
            ...(options.workflow ? { '#workflow': 'workflow' } : {}),
          },
          ExpressionAttributeValues: {
            ':entity': ENTITY,
            ...(options.status ? { ':status': options.status } : {}),
            ...(options.workflow ? { ':workflow': options.workflow } : {}),
          },
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ScanIndexForward: false,
          Limit: options.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(result.Items ?? []).map(fromItem));
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, nextCursor: encodeCursor(startKey) };
  }

  /** Notes a replay, if the letter still has exactly `seen` replays and is not discarded. */
  async addReplay(letter: DeadLetter, replay: Replay): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(letter.workflow, letter.execution),
          UpdateExpression: 'SET #status = :replayed, #replays = list_append(#replays, :replay)',
          ConditionExpression: 'size(#replays) = :seen AND #status <> :discarded',
          ExpressionAttributeNames: { '#status': 'status', '#replays': 'replays' },
          ExpressionAttributeValues: {
            ':replayed': 'replayed',
            ':replay': [replay],
            ':seen': letter.replays.length,
            ':discarded': 'discarded',
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') throw new DeadLetterMovedError();
      throw error;
    }
  }

  /** Marks an open or replayed letter as dealt with otherwise; kept, and listed as discarded. */
  async discard(letter: DeadLetter, discarded: NonNullable<DeadLetter['discarded']>): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(letter.workflow, letter.execution),
          UpdateExpression: 'SET #status = :discarded, #discarded = :how',
          ConditionExpression: 'size(#replays) = :seen AND #status <> :discarded',
          ExpressionAttributeNames: { '#status': 'status', '#replays': 'replays', '#discarded': 'discarded' },
          ExpressionAttributeValues: {
            ':discarded': 'discarded',
            ':how': discarded,
            ':seen': letter.replays.length,
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') throw new DeadLetterMovedError();
      throw error;
    }
  }
}
