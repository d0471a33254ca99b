/**
 * What ties workflow executions to the CRM records they run for, and task tokens to whoever
 * settled them. Step Functions knows neither: its executions carry a name and an input, and
 * SendTaskSuccess does not say who called it. So the product writes these items when it starts
 * a flow for a record (functions/shared/workflows.ts `startWorkflow`) and when it settles a task
 * token (`settleTask`); the executions API only reads them, by GetItem, BatchGetItem and Query.
 *
 *   record → executions   pk `{type}#{id}`                  sk `EXECUTION#{startedAt}#{workflow}#{name}`
 *   execution → record    pk `execution#{workflow}#{name}`  sk `EXECUTION`
 *   task token → sender   pk `task-callback#{sha256(token)}` sk `CALLBACK`
 *
 * The first sits in the record's own partition (beside `RECORD` and `AUDIT#…`), so a record's
 * executions are one Query, newest first. Tokens are stored only as their SHA-256. All three
 * expire (TTL) a year and 90 days after they were written: the longest a Standard execution
 * runs, plus the 90 days Step Functions keeps a closed one.
 */
import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Actor } from '#schemas/audit';
import type { Channel } from '#schemas/common';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { InvalidCursorError } from './errors.ts';
import { KEY, TTL_ATTRIBUTE } from './table-design.ts';

export interface RecordKey {
  type: string;
  id: string;
}

export interface ExecutionKey {
  workflow: string;
  name: string;
}

export interface ExecutionLink extends ExecutionKey {
  executionArn: string;
  record: RecordKey;
  /** ISO time the link was written (just before the execution started). */
  startedAt: string;
}

export interface TaskCallbackRecord {
  outcome: 'success' | 'failure';
  actor: Actor;
  channel: Channel;
  at: string;
  summary?: string;
  /** Where the product recorded the decision, e.g. `/v1/quotes/quo_…/history`. */
  href?: string;
}

const LINK_PREFIX = 'EXECUTION#';
const KEEP_SECONDS = (365 + 90) * 24 * 3600;
const MAX_BATCH_ATTEMPTS = 8;
const MAX_QUERIES_PER_PAGE = 10;

export const tokenDigest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const recordPk = (record: RecordKey) => `${record.type}#${record.id}`;
const reverseKey = (execution: ExecutionKey) => ({
  [KEY.pk]: `execution#${execution.workflow}#${execution.name}`,
  [KEY.sk]: 'EXECUTION',
});
const callbackKey = (digest: string) => ({ [KEY.pk]: `task-callback#${digest}`, [KEY.sk]: 'CALLBACK' });
const executionKey = (execution: ExecutionKey) => `${execution.workflow}#${execution.name}`;
const expiry = (now: Date) => Math.floor(now.getTime() / 1000) + KEEP_SECONDS;

export class ExecutionLinkStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Ties an execution (about to start) to its record. Answers false when the execution was tied
   * already — a retried start — and leaves the first link as it was.
   */
  async link(link: ExecutionLink, now = new Date()): Promise<boolean> {
    const body = {
      entity: 'execution-link',
      workflow: link.workflow,
      name: link.name,
      executionArn: link.executionArn,
      recordType: link.record.type,
      recordId: link.record.id,
      startedAt: link.startedAt,
      [TTL_ATTRIBUTE]: expiry(now),
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...reverseKey(link), ...body },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': KEY.pk },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  [KEY.pk]: recordPk(link.record),
                  [KEY.sk]: `${LINK_PREFIX}${link.startedAt}#${link.workflow}#${link.name}`,
                  ...body,
                },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return false;
      throw error;
    }
  }

  /** The record an execution was started for, if it was started for one. */
  async recordOf(execution: ExecutionKey): Promise<RecordKey | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: reverseKey(execution) }),
    );
    return Item ? { type: String(Item.recordType), id: String(Item.recordId) } : undefined;
  }

  /** The records of many executions at once, keyed `workflow#name`. */
  async recordsOf(executions: readonly ExecutionKey[]): Promise<Map<string, RecordKey>> {
    const items = await this.batchGet(executions.map(reverseKey));
    return new Map(
      items.map((item) => [
        executionKey({ workflow: String(item.workflow), name: String(item.name) }),
        { type: String(item.recordType), id: String(item.recordId) },
      ]),
    );
  }

  /**
   * A record's executions, newest first, optionally of one workflow. Reads up to `limit` links;
   * the cursor resumes after the last one read.
   */
  async forRecord(
    record: RecordKey,
    options: { workflow?: string; limit: number; cursor?: string },
  ): Promise<{ items: ExecutionLink[]; nextCursor: string | null }> {
    const pk = recordPk(record);
    let startKey: Record<string, unknown> | undefined = options.cursor
      ? decodeCursor(options.cursor, [KEY.pk, KEY.sk], { attribute: KEY.pk, value: pk })
      : undefined;
    if (startKey && !String(startKey[KEY.sk]).startsWith(LINK_PREFIX))
      throw new InvalidCursorError('the cursor does not belong to this list');
    const items: ExecutionLink[] = [];
    for (let i = 0; i < MAX_QUERIES_PER_PAGE; i++) {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: {
            '#pk': KEY.pk,
            '#sk': KEY.sk,
            ...(options.workflow ? { '#workflow': 'workflow' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': pk,
            ':prefix': LINK_PREFIX,
            ...(options.workflow ? { ':workflow': options.workflow } : {}),
          },
          ...(options.workflow ? { FilterExpression: '#workflow = :workflow' } : {}),
          ScanIndexForward: false,
          Limit: options.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? [])
        items.push({
          workflow: String(item.workflow),
          name: String(item.name),
          executionArn: String(item.executionArn),
          record,
          startedAt: String(item.startedAt),
        });
      startKey = result.LastEvaluatedKey;
      if (!startKey || items.length >= options.limit) break;
    }
    return { items, nextCursor: encodeCursor(startKey) };
  }

  /** Notes who settled a task token; the first note stays (a token settles once). */
  async recordCallback(token: string, callback: TaskCallbackRecord, now = new Date()): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...callbackKey(tokenDigest(token)),
            entity: 'task-callback',
            ...callback,
            [TTL_ATTRIBUTE]: expiry(now),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /** Who settled each of these tokens, by the tokens' SHA-256 digests. */
  async callbacks(digests: readonly string[]): Promise<Map<string, TaskCallbackRecord>> {
    const items = await this.batchGet(digests.map(callbackKey));
    return new Map(
      items.map((item) => {
        const { [KEY.pk]: pk, [KEY.sk]: _sk, entity: _e, [TTL_ATTRIBUTE]: _ttl, ...callback } = item;
        return [String(pk).slice('task-callback#'.length), callback as unknown as TaskCallbackRecord];
      }),
    );
  }

  private async batchGet(keys: readonly Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const unique = [...new Map(keys.map((key) => [`${key[KEY.pk]}|${key[KEY.sk]}`, key])).values()];
    const found: Record<string, unknown>[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS)
          throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${attempt} attempts`);
        if (attempt > 0)
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt) * Math.random()),
          );
        const result: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }
}
