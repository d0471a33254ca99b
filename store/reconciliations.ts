/**
 * Reconciliation runs: what each comparison of Junction's orders with the ERP found, and fixed.
 * The order-reconciliation workflow writes one run a page at a time; admins read them.
 *
 *   a run     pk `reconciliation#{id}`  sk `RUN`
 *   newest    byType index: `reconciliation` / `{startedAt}#{id}`
 *
 * A page's results are added under a condition naming the page, so a retried task adds nothing
 * twice. A run keeps its first MAX_DRIFTS drifts (the counts go on); kept (TTL) for a year.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Actor } from '#schemas/audit';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { INDEXES, KEY, TTL_ATTRIBUTE } from './table-design.ts';

export const MAX_DRIFTS = 500;
const ENTITY = 'reconciliation';
const KEEP_SECONDS = 366 * 24 * 3600;

export interface Drift {
  kind: string;
  /** What it is about: `order:ord_…`, `erp:SO-2026-00007`, `shipment:DN-…`. */
  subject: string;
  detail: string;
  fixed: boolean;
  fix?: string;
}

export interface ReconciliationRun {
  id: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  by: Actor;
  ordersChecked: number;
  erpOrdersChecked: number;
  driftCount: number;
  fixedCount: number;
  drifts: Drift[];
  error?: string;
}

const key = (id: string) => ({ [KEY.pk]: `${ENTITY}#${id}`, [KEY.sk]: 'RUN' });

function fromItem(item: Record<string, unknown>): ReconciliationRun {
  const {
    [KEY.pk]: _pk,
    [KEY.sk]: _sk,
    [INDEXES.byType.pk]: _gpk,
    [INDEXES.byType.sk]: _gsk,
    [TTL_ATTRIBUTE]: _ttl,
    entity: _e,
    pages: _pages,
    ...run
  } = item;
  return run as unknown as ReconciliationRun;
}

export class ReconciliationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Opens a run; opening it again (a retried first task) keeps the first. */
  async open(id: string, by: Actor, at: Date): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(id),
            entity: ENTITY,
            [INDEXES.byType.pk]: ENTITY,
            [INDEXES.byType.sk]: `${at.toISOString()}#${id}`,
            id,
            status: 'running',
            startedAt: at.toISOString(),
            by,
            ordersChecked: 0,
            erpOrdersChecked: 0,
            driftCount: 0,
            fixedCount: 0,
            drifts: [],
            pages: ['-'],
            [TTL_ATTRIBUTE]: Math.floor(at.getTime() / 1000) + KEEP_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.pk },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /** Adds one page's results, once per page key. */
  async addPage(
    id: string,
    page: string,
    results: { orders?: number; erpOrders?: number; drifts: Drift[] },
  ): Promise<void> {
    const current = await this.get(id);
    if (!current) throw new Error(`no reconciliation run ${id}`);
    const room = Math.max(0, MAX_DRIFTS - current.drifts.length);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression:
            'SET #drifts = list_append(#drifts, :drifts), #pages = list_append(#pages, :page) ' +
            'ADD #orders :orders, #erp :erp, #count :count, #fixed :fixed',
          ConditionExpression: 'attribute_exists(#pk) AND NOT contains(#pages, :pageKey)',
          ExpressionAttributeNames: {
            '#pk': KEY.pk,
            '#drifts': 'drifts',
            '#pages': 'pages',
            '#orders': 'ordersChecked',
            '#erp': 'erpOrdersChecked',
            '#count': 'driftCount',
            '#fixed': 'fixedCount',
          },
          ExpressionAttributeValues: {
            ':drifts': results.drifts.slice(0, room),
            ':page': [page],
            ':pageKey': page,
            ':orders': results.orders ?? 0,
            ':erp': results.erpOrders ?? 0,
            ':count': results.drifts.length,
            ':fixed': results.drifts.filter((d) => d.fixed).length,
          },
        }),
      );
    } catch (error) {
      // This page was added by an earlier attempt.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async finish(id: string, status: 'done' | 'failed', at: Date, error?: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(id),
        UpdateExpression: `SET #status = :status, #finishedAt = :at${error ? ', #error = :error' : ''}`,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: {
          '#pk': KEY.pk,
          '#status': 'status',
          '#finishedAt': 'finishedAt',
          ...(error ? { '#error': 'error' } : {}),
        },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at.toISOString(),
          ...(error ? { ':error': error.slice(0, 2000) } : {}),
        },
      }),
    );
  }

  async get(id: string): Promise<ReconciliationRun | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async list(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: ReconciliationRun[]; nextCursor: string | null }> {
    const index = INDEXES.byType;
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#gpk = :entity',
        ExpressionAttributeNames: { '#gpk': index.pk },
        ExpressionAttributeValues: { ':entity': ENTITY },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(options.cursor
          ? {
              ExclusiveStartKey: decodeCursor(options.cursor, [KEY.pk, KEY.sk, index.pk, index.sk], {
                attribute: index.pk,
                value: ENTITY,
              }),
            }
          : {}),
      }),
    );
    return { items: (result.Items ?? []).map(fromItem), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }
}
