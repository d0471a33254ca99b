/**
 * Records, their audit trail and their unique values in the single table.
 *
 * Items:
 *   record        pk `{type}#{id}`                 sk `RECORD`           + index keys per list filter
 *   audit entry   pk `{type}#{id}`                 sk `AUDIT#{ulid}`     (same partition: history is one Query)
 *   unique value  pk `UNIQUE#{type}#{field}#{v}`   sk `UNIQUE`           holds the owning record id
 *   lookup key    pk `LOOKUP#{type}#{field}#{v}`   sk `{id}`             one per record with that value
 *
 * Lookup keys find records by a value that is not unique (a contact's email or phone) with one
 * Query on the value, never by reading the type's partition; like unique claims they are written
 * and moved in the record's own transaction, so they are never stale.
 * Every write is one transaction: the record (conditioned on its version), its audit entry,
 * and any unique-value claims or releases. So a change and its audit entry exist together or
 * not at all, and two writers racing on one version cannot both win.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import { decodeCursor, encodeCursor, type KeyMap } from './cursor.ts';
import {
  AlongsideConditionFailedError,
  InvalidCursorError,
  TransactionConflictError,
  UniqueConflictError,
  VersionConflictError,
} from './errors.ts';
import { INDEXES, type IndexName, KEY } from './table-design.ts';

/** What the store needs to know about a record type. */
export interface EntityDescriptor {
  name: string;
  filters: Record<string, { field: string; index?: IndexName }>;
  unique: readonly string[];
  /** Fields kept findable by value through lookup keys (not unique; lower-cased). */
  lookups?: readonly string[];
}

/** A write another part of the system makes in the same transaction as a record change. */
type DocumentTransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/** One record written by writeAll: created when `previous` is absent, else its next version. */
export interface RecordChange {
  entity: EntityDescriptor;
  record: StoredRecord;
  audit: AuditEntry;
  previous?: StoredRecord;
}

/** What each item of a transaction is, to say which condition failed. */
type ItemMeaning =
  | { kind: 'record'; type: string }
  | { kind: 'claim'; field: string; value: string }
  | { kind: 'extra'; index: number }
  | { kind: 'own' };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListQuery {
  /** Equality filters on record fields; the first one with an index drives the query. */
  filters: { field: string; value: string | boolean; index?: IndexName }[];
  limit: number;
  cursor?: string;
  includeArchived: boolean;
}

const RECORD_SK = 'RECORD';
const AUDIT_PREFIX = 'AUDIT#';
const INTERNAL = new Set<string>([
  KEY.pk,
  KEY.sk,
  'entity',
  ...Object.values(INDEXES).flatMap((i) => [i.pk, i.sk]),
]);
/** BatchGetItem rounds before giving up on keys DynamoDB keeps leaving unprocessed (throttling). */
const MAX_BATCH_ATTEMPTS = 8;
/** Upper bound of index pages read to fill one filtered page; the cursor resumes the rest. */
const MAX_QUERIES_PER_PAGE = 10;

export const recordKey = (type: string, id: string) => ({ [KEY.pk]: `${type}#${id}`, [KEY.sk]: RECORD_SK });
const uniqueKey = (type: string, field: string, value: string) => ({
  [KEY.pk]: `UNIQUE#${type}#${field}#${value.toLowerCase()}`,
  [KEY.sk]: 'UNIQUE',
});

export const lookupPartition = (type: string, field: string, value: string) =>
  `LOOKUP#${type}#${field}#${value.toLowerCase()}`;
const lookupKey = (type: string, field: string, value: string, id: string) => ({
  [KEY.pk]: lookupPartition(type, field, value),
  [KEY.sk]: id,
});

/** The lookup-key writes that move a record from `previous` (absent on create) to `next`. */
function lookupWrites(
  tableName: string,
  entity: EntityDescriptor,
  previous: StoredRecord | undefined,
  next: StoredRecord,
): DocumentTransactItem[] {
  const normal = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : undefined);
  return (entity.lookups ?? []).flatMap((field) => {
    const before = normal(previous?.[field]);
    const after = normal(next[field]);
    if (before === after) return [];
    return [
      ...(before !== undefined
        ? [{ Delete: { TableName: tableName, Key: lookupKey(entity.name, field, before, next.id) } }]
        : []),
      ...(after !== undefined
        ? [
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...lookupKey(entity.name, field, after, next.id),
                  entity: 'lookup',
                  recordId: next.id,
                },
              },
            },
          ]
        : []),
    ];
  });
}

export class RecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(type: string, id: string): Promise<StoredRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: recordKey(type, id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** The id of the record holding a unique value (e.g. the user with an email), if any. */
  async findUnique(type: string, field: string, value: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: uniqueKey(type, field, value) }),
    );
    return typeof Item?.recordId === 'string' ? Item.recordId : undefined;
  }

  /** Fetches many records by (type, id); the map is keyed `${type}#${id}`. Missing ones are absent. */
  async getMany(keys: readonly { type: string; id: string }[]): Promise<Map<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    const unique = [...new Map(keys.map((k) => [`${k.type}#${k.id}`, recordKey(k.type, k.id)])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS)
          throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${attempt} attempts`);
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt) * Math.random());
        const result: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? [])
          found.set(String(item[KEY.pk]), fromItem(item));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  /** Writes a new record at version 1 with its audit entry. */
  async create(
    entity: EntityDescriptor,
    record: StoredRecord,
    audit: AuditEntry,
    extra: DocumentTransactItem[] = [],
  ): Promise<void> {
    await this.writeAll([{ entity, record, audit }], extra);
  }

  /**
   * Replaces a record with its next version. Fails with VersionConflictError unless the stored
   * version is `next.version - 1`, so concurrent writers on one version cannot both succeed.
   */
  async replace(
    entity: EntityDescriptor,
    previous: StoredRecord,
    next: StoredRecord,
    audit: AuditEntry,
    extra: DocumentTransactItem[] = [],
  ): Promise<void> {
    await this.writeAll([{ entity, previous, record: next, audit }], extra);
  }

  /**
   * Writes several records in one transaction, each with its audit entry: all or none. A change
   * with `previous` replaces that version (VersionConflictError if another writer got there
   * first); one without creates (VersionConflictError if the id exists). Unique values are
   * claimed and released as in create and replace (UniqueConflictError names the holder).
   * Items of other stores go in `extra`; a failed condition there is AlongsideConditionFailedError.
   */
  async writeAll(changes: readonly RecordChange[], extra: DocumentTransactItem[] = []): Promise<void> {
    const items: DocumentTransactItem[] = [];
    const meanings: ItemMeaning[] = [];
    const add = (item: DocumentTransactItem, meaning: ItemMeaning) => {
      items.push(item);
      meanings.push(meaning);
    };
    for (const { entity, previous, record, audit } of changes) {
      // Unique values are compared as stored (lower-cased): a change of letter case keeps the claim.
      const normal = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
      const changedUnique = entity.unique.filter(
        (field) => previous === undefined || normal(previous[field]) !== normal(record[field]),
      );
      add(
        {
          Put: {
            TableName: this.tableName,
            Item: toItem(entity, record),
            ...(previous
              ? {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': record.version - 1 },
                }
              : {
                  ConditionExpression: 'attribute_not_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': KEY.pk },
                }),
          },
        },
        { kind: 'record', type: entity.name },
      );
      add(this.auditPut(entity.name, audit), { kind: 'own' });
      for (const field of changedUnique) {
        const value = record[field];
        if (typeof value === 'string')
          add(this.claim(entity.name, field, value, record.id), { kind: 'claim', field, value });
      }
      for (const field of changedUnique) {
        const value = previous?.[field];
        if (typeof value !== 'string') continue;
        add(
          {
            Delete: {
              TableName: this.tableName,
              Key: uniqueKey(entity.name, field, value),
              // Never release another record's claim; a claim already gone is nothing to release.
              ConditionExpression: 'attribute_not_exists(#pk) OR recordId = :id',
              ExpressionAttributeNames: { '#pk': KEY.pk },
              ExpressionAttributeValues: { ':id': record.id },
            },
          },
          { kind: 'own' },
        );
      }
      for (const item of lookupWrites(this.tableName, entity, previous, record)) add(item, { kind: 'own' });
    }
    for (const [index, item] of extra.entries()) add(item, { kind: 'extra', index });
    await this.transact(items, meanings);
  }

  /** Adds an event to a record's history without changing the record (a request sent, a reminder). */
  async appendHistory(type: string, audit: AuditEntry): Promise<void> {
    // An entry with this id already there (a retried event with a stable id) is a VersionConflictError.
    await this.transact([this.auditPut(type, audit)], [{ kind: 'record', type }]);
  }

  async list(entity: EntityDescriptor, query: ListQuery): Promise<Page<StoredRecord>> {
    const driver = query.filters.find((f) => f.index !== undefined);
    const index = INDEXES[driver?.index ?? 'byType'];
    const partition = driver ? `${entity.name}#${String(driver.value)}` : entity.name;
    const rest = query.filters.filter((f) => f !== driver);

    const names: Record<string, string> = { '#ipk': index.pk };
    const values: Record<string, unknown> = { ':ipk': partition };
    const conditions = rest.map((f, i) => {
      names[`#f${i}`] = f.field;
      values[`:f${i}`] = f.value;
      return `#f${i} = :f${i}`;
    });
    if (!query.includeArchived) {
      names['#archived'] = 'archived';
      values[':archived'] = false;
      conditions.push('#archived = :archived');
    }

    let startKey: KeyMap | undefined;
    if (query.cursor)
      startKey = decodeCursor(query.cursor, [KEY.pk, KEY.sk, index.pk, index.sk], {
        attribute: index.pk,
        value: partition,
      });

    const base: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#ipk = :ipk',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
      ScanIndexForward: false,
    };
    const items: StoredRecord[] = [];
    let lastKey: Record<string, unknown> | undefined = startKey;
    for (let i = 0; i < MAX_QUERIES_PER_PAGE; i++) {
      const result = await this.db.send(
        new QueryCommand({
          ...base,
          Limit: query.limit - items.length,
          ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) items.push(fromItem(item));
      lastKey = result.LastEvaluatedKey;
      if (!lastKey || items.length >= query.limit) break;
    }
    return { items, nextCursor: encodeCursor(lastKey) };
  }

  async history(type: string, id: string, limit: number, cursor?: string): Promise<Page<AuditEntry>> {
    const pk = `${type}#${id}`;
    const startKey = cursor
      ? decodeCursor(cursor, [KEY.pk, KEY.sk], { attribute: KEY.pk, value: pk })
      : undefined;
    if (startKey && !startKey[KEY.sk]?.startsWith(AUDIT_PREFIX))
      throw new InvalidCursorError('the cursor does not belong to this list');
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :audit)',
        ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
        ExpressionAttributeValues: { ':pk': pk, ':audit': AUDIT_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => stripInternal(item) as AuditEntry),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  private auditPut(type: string, audit: AuditEntry): DocumentTransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          [KEY.pk]: `${type}#${audit.recordId}`,
          [KEY.sk]: `${AUDIT_PREFIX}${audit.id}`,
          entity: 'audit',
          ...audit,
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY.pk },
      },
    };
  }

  private claim(type: string, field: string, value: string, recordId: string): DocumentTransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...uniqueKey(type, field, value), entity: 'unique', recordId },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY.pk },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Runs a transaction and turns DynamoDB's cancellation reasons into the errors callers act on. */
  private async transact(items: DocumentTransactItem[], meanings: readonly ItemMeaning[]): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'TransactionConflict'))
        throw new TransactionConflictError('concurrent transaction');
      for (const [i, reason] of reasons.entries()) {
        if (reason.Code !== 'ConditionalCheckFailed') continue;
        const meaning = meanings[i];
        if (meaning?.kind === 'record') throw new VersionConflictError(`${meaning.type} changed meanwhile`);
        if (meaning?.kind === 'claim')
          throw new UniqueConflictError(meaning.field, meaning.value, reason.Item?.recordId?.S);
        if (meaning?.kind === 'extra') throw new AlongsideConditionFailedError(meaning.index);
      }
      throw error;
    }
  }
}

function toItem(entity: EntityDescriptor, record: StoredRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...record,
    ...recordKey(entity.name, record.id),
    entity: entity.name,
  };
  item[INDEXES.byType.pk] = entity.name;
  item[INDEXES.byType.sk] = record.id;
  for (const filter of Object.values(entity.filters)) {
    if (!filter.index) continue;
    const value = record[filter.field];
    if (typeof value !== 'string') continue;
    const index = INDEXES[filter.index];
    item[index.pk] = `${entity.name}#${value}`;
    item[index.sk] = record.id;
  }
  return item;
}

function stripInternal(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k)));
}

const fromItem = (item: Record<string, unknown>) => stripInternal(item) as StoredRecord;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type { DocumentTransactItem };
