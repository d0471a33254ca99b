import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import type { StoredRecord } from '#schemas/common';
import { encodeCursor } from '#store/cursor';
import {
  InvalidCursorError,
  TransactionConflictError,
  UniqueConflictError,
  VersionConflictError,
} from '#store/errors';
import { type ListQuery, RecordStore } from '#store/record-store';
import { auditEntryFor, storedRecord, testId } from './support/builders.ts';

const TABLE = 'records';
const ddb = mockClient(DynamoDBDocumentClient);
const store = new RecordStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' })),
  TABLE,
);

beforeEach(() => {
  ddb.reset();
});

const USR = testId('usr', 1);
const OWNER = testId('usr', 7);

const user = (email: string, version = 1): StoredRecord =>
  storedRecord('usr', { name: 'Ada Lovelace', email, role: 'sales', active: true }, { id: USR, version });

const cancelled = (...codes: ({ Code: string; Item?: Record<string, { S: string }> } | string)[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((c) => (typeof c === 'string' ? { Code: c } : c)),
  });

const transactItems = () => {
  const calls = ddb.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  return calls[0]?.args[0].input.TransactItems ?? [];
};

/** The (pk, sk) every item of the transaction touches. */
const touchedKeys = (items: ReturnType<typeof transactItems>) =>
  items.map((item) => {
    const key = item.Put?.Item ?? item.Delete?.Key ?? item.Update?.Key ?? item.ConditionCheck?.Key ?? {};
    return `${String(key.pk)}|${String(key.sk)}`;
  });

const failureOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
};

describe('RecordStore.create', () => {
  it('writes the record, its audit entry and a claim per unique field in one transaction', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).resolves({});
    const record = user('ada@example.com');
    const audit = auditEntryFor(record);

    // Act
    await store.create(RECORD_TYPES.user, record, audit);

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(transactItems()).toEqual([
      {
        Put: {
          TableName: TABLE,
          Item: {
            ...record,
            pk: `user#${USR}`,
            sk: 'RECORD',
            entity: 'user',
            gsi1pk: 'user',
            gsi1sk: USR,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      },
      {
        Put: {
          TableName: TABLE,
          Item: { ...audit, pk: `user#${USR}`, sk: `AUDIT#${audit.id}`, entity: 'audit' },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      },
      {
        Put: {
          TableName: TABLE,
          Item: { pk: 'UNIQUE#user#email#ada@example.com', sk: 'UNIQUE', entity: 'unique', recordId: USR },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ]);
  });

  it('claims unique values case-insensitively', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const product = storedRecord('prd', { name: 'Widget', sku: 'WID-Blue', currency: 'EUR', unitPrice: 1 });

    await store.create(RECORD_TYPES.product, product, auditEntryFor(product, { recordType: 'product' }));

    expect(transactItems()[2]?.Put?.Item?.pk).toBe('UNIQUE#product#sku#wid-blue');
  });

  it('writes an index key for every indexed field the record has, and none for the ones it lacks', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const lead = storedRecord('led', {
      lastName: 'Lovelace',
      email: 'a@example.com',
      status: 'new',
      ownerId: OWNER,
    });

    await store.create(RECORD_TYPES.lead, lead, auditEntryFor(lead, { recordType: 'lead' }));

    const item = transactItems()[0]?.Put?.Item ?? {};
    expect(item).toMatchObject({
      gsi1pk: 'lead',
      gsi1sk: lead.id,
      gsi2pk: `lead#${OWNER}`,
      gsi2sk: lead.id,
      gsi3pk: 'lead#new',
      gsi3sk: lead.id,
    });
    expect(item).not.toHaveProperty('gsi5pk');
    expect(transactItems()).toHaveLength(2);
  });

  it('refuses a value another record holds, naming the field, the value and the holder', async () => {
    const holder = testId('usr', 2);
    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled('None', 'None', { Code: 'ConditionalCheckFailed', Item: { recordId: { S: holder } } }),
      );
    const record = user('ada@example.com');

    const error = await failureOf(store.create(RECORD_TYPES.user, record, auditEntryFor(record)));

    expect(error).toBeInstanceOf(UniqueConflictError);
    expect(error).toMatchObject({ field: 'email', value: 'ada@example.com', heldBy: holder });
    expect((error as Error).message).toBe(`email "ada@example.com" is already used by ${holder}`);
  });
});

describe('RecordStore.replace', () => {
  it('conditions the write on the version before it, and writes the audit entry with it', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const previous = user('ada@example.com', 4);
    const next = { ...previous, name: 'Ada King', version: 5 };

    await store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next));

    const items = transactItems();
    expect(items).toHaveLength(2);
    expect(items[0]?.Put).toMatchObject({
      Item: { name: 'Ada King', version: 5, pk: `user#${USR}`, sk: 'RECORD' },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 4 },
    });
    expect(items[1]?.Put?.Item).toMatchObject({ sk: expect.stringMatching(/^AUDIT#/), entity: 'audit' });
  });

  it('claims a changed unique value and releases the old one, only if this record holds it', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const previous = user('ada@example.com', 4);
    const next = { ...previous, email: 'ada.king@example.com', version: 5 };

    await store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next));

    const items = transactItems();
    expect(items.slice(2)).toEqual([
      {
        Put: expect.objectContaining({
          Item: {
            pk: 'UNIQUE#user#email#ada.king@example.com',
            sk: 'UNIQUE',
            entity: 'unique',
            recordId: USR,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
        }),
      },
      {
        Delete: {
          TableName: TABLE,
          Key: { pk: 'UNIQUE#user#email#ada@example.com', sk: 'UNIQUE' },
          ConditionExpression: 'attribute_not_exists(#pk) OR recordId = :id',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':id': USR },
        },
      },
    ]);
  });

  it('keeps the claim when a unique value changes only in letter case', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const previous = storedRecord(
      'prd',
      { name: 'Widget', sku: 'wid-1', currency: 'EUR', unitPrice: 1 },
      { version: 2 },
    );
    const next = { ...previous, sku: 'WID-1', version: 3 };

    await store.replace(RECORD_TYPES.product, previous, next, auditEntryFor(next, { recordType: 'product' }));

    const keys = touchedKeys(transactItems());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('turns a failed version condition into a VersionConflictError', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    const previous = user('ada@example.com', 4);
    const next = { ...previous, name: 'Ada King', version: 5 };

    const error = await failureOf(store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next)));

    expect(error).toBeInstanceOf(VersionConflictError);
  });

  it('reports a history entry already written (a retried event) as a VersionConflictError', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));
    const record = user('ada@example.com', 4);

    const error = await failureOf(store.appendHistory('user', auditEntryFor(record)));

    expect(error).toBeInstanceOf(VersionConflictError);
  });

  it('writes several records in one transaction, and names the one whose version moved on', async () => {
    const first = user('ada@example.com', 4);
    const second = { ...user('grace@example.com', 2), id: testId('usr', 2) };
    const next = (r: typeof first) => ({ ...r, name: 'Renamed', version: r.version + 1 });
    ddb.on(TransactWriteCommand).resolves({});

    await store.writeAll([
      { entity: RECORD_TYPES.user, previous: first, record: next(first), audit: auditEntryFor(next(first)) },
      {
        entity: RECORD_TYPES.user,
        previous: second,
        record: next(second),
        audit: auditEntryFor(next(second)),
      },
    ]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const puts = transactItems().filter((i) => i.Put?.Item?.entity === 'user');
    expect(puts.map((p) => p.Put?.ExpressionAttributeValues?.[':expected'])).toEqual([4, 2]);

    // The second record's condition fails: its record item comes after the first's record and audit.
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None'));
    const error = await failureOf(
      store.writeAll([
        {
          entity: RECORD_TYPES.user,
          previous: first,
          record: next(first),
          audit: auditEntryFor(next(first)),
        },
        {
          entity: RECORD_TYPES.user,
          previous: second,
          record: next(second),
          audit: auditEntryFor(next(second)),
        },
      ]),
    );
    expect(error).toBeInstanceOf(VersionConflictError);
  });

  it('turns a concurrent transaction into a retryable TransactionConflictError', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));
    const previous = user('ada@example.com', 4);
    const next = { ...previous, name: 'Ada King', version: 5 };

    const error = await failureOf(store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next)));

    expect(error).toBeInstanceOf(TransactionConflictError);
  });

  it('reports a taken unique value on update, with its holder', async () => {
    const holder = testId('usr', 3);
    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled(
          'None',
          'None',
          { Code: 'ConditionalCheckFailed', Item: { recordId: { S: holder } } },
          'None',
        ),
      );
    const previous = user('ada@example.com', 4);
    const next = { ...previous, email: 'grace@example.com', version: 5 };

    const error = await failureOf(store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next)));

    expect(error).toBeInstanceOf(UniqueConflictError);
    expect(error).toMatchObject({ field: 'email', value: 'grace@example.com', heldBy: holder });
  });

  it('passes other failures through unchanged', async () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ProvisionedThroughputExceededException',
    });
    ddb.on(TransactWriteCommand).rejects(throttled);
    const previous = user('ada@example.com', 4);
    const next = { ...previous, name: 'Ada King', version: 5 };

    const error = await failureOf(store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next)));

    expect(error).toBe(throttled);
  });

  it('passes a cancellation it cannot explain through unchanged', async () => {
    const odd = cancelled('None', 'ValidationError');
    ddb.on(TransactWriteCommand).rejects(odd);
    const previous = user('ada@example.com', 4);
    const next = { ...previous, name: 'Ada King', version: 5 };

    const error = await failureOf(store.replace(RECORD_TYPES.user, previous, next, auditEntryFor(next)));

    expect(error).toBe(odd);
  });
});

describe('RecordStore.get and getMany', () => {
  it('reads a record strongly consistent and without its key attributes', async () => {
    const record = user('ada@example.com');
    ddb
      .on(GetCommand, { TableName: TABLE, Key: { pk: `user#${USR}`, sk: 'RECORD' }, ConsistentRead: true })
      .resolves({
        Item: { ...record, pk: `user#${USR}`, sk: 'RECORD', entity: 'user', gsi1pk: 'user', gsi1sk: USR },
      });

    expect(await store.get('user', USR)).toEqual(record);
  });

  it('answers undefined for a record that does not exist', async () => {
    ddb.on(GetCommand).resolves({});

    expect(await store.get('user', USR)).toBeUndefined();
  });

  it('retries the keys DynamoDB left unprocessed until every record is read', async () => {
    const a = storedRecord('acc', { name: 'A' }, { id: testId('acc', 1) });
    const b = storedRecord('acc', { name: 'B' }, { id: testId('acc', 2) });
    const itemOf = (r: StoredRecord) => ({ ...r, pk: `account#${r.id}`, sk: 'RECORD', entity: 'account' });
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [itemOf(a)] },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: `account#${b.id}`, sk: 'RECORD' }] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [itemOf(b)] }, UnprocessedKeys: {} });

    const found = await store.getMany([
      { type: 'account', id: a.id },
      { type: 'account', id: b.id },
    ]);

    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { [TABLE]: { Keys: [{ pk: `account#${b.id}`, sk: 'RECORD' }], ConsistentRead: true } },
    });
    expect(found).toEqual(
      new Map([
        [`account#${a.id}`, a],
        [`account#${b.id}`, b],
      ]),
    );
  });

  it('asks for each key once and in batches of at most 100', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    const keys = Array.from({ length: 150 }, (_, i) => ({ type: 'product', id: testId('prd', i) }));

    const found = await store.getMany([...keys, ...keys.slice(0, 10)]);

    const sizes = ddb
      .commandCalls(BatchGetCommand)
      .map((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys?.length);
    expect(sizes).toEqual([100, 50]);
    expect(found.size).toBe(0);
  });

  it('makes no call when there is nothing to fetch', async () => {
    expect(await store.getMany([])).toEqual(new Map());
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});

describe('RecordStore.list', () => {
  const leadItem = (n: number) => {
    const id = testId('led', n);
    return {
      id,
      lastName: `Lead ${n}`,
      pk: `lead#${id}`,
      sk: 'RECORD',
      entity: 'lead',
      gsi2pk: `lead#${OWNER}`,
      gsi2sk: id,
    };
  };
  const byOwnerKey = (n: number) => ({
    pk: `lead#${testId('led', n)}`,
    sk: 'RECORD',
    gsi2pk: `lead#${OWNER}`,
    gsi2sk: testId('led', n),
  });
  const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
    filters: [],
    limit: 25,
    includeArchived: false,
    ...overrides,
  });

  it('queries the index of the first indexed filter, newest first, hiding archived records', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await store.list(
      RECORD_TYPES.lead,
      query({
        filters: [
          { field: 'ownerId', value: OWNER, index: 'byOwner' },
          { field: 'status', value: 'new', index: 'byStatus' },
        ],
      }),
    );

    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'byOwner',
      KeyConditionExpression: '#ipk = :ipk',
      ExpressionAttributeNames: { '#ipk': 'gsi2pk', '#f0': 'status', '#archived': 'archived' },
      ExpressionAttributeValues: { ':ipk': `lead#${OWNER}`, ':f0': 'new', ':archived': false },
      FilterExpression: '#f0 = :f0 AND #archived = :archived',
      ScanIndexForward: false,
      Limit: 25,
    });
  });

  it('falls back to the by-type index when no filter has an index of its own', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await store.list(
      RECORD_TYPES.user,
      query({
        filters: [
          { field: 'role', value: 'sales' },
          { field: 'active', value: true },
        ],
      }),
    );

    const input = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      IndexName: 'byType',
      ExpressionAttributeNames: { '#ipk': 'gsi1pk', '#f0': 'role', '#f1': 'active' },
      ExpressionAttributeValues: { ':ipk': 'user', ':f0': 'sales', ':f1': true, ':archived': false },
      FilterExpression: '#f0 = :f0 AND #f1 = :f1 AND #archived = :archived',
      ScanIndexForward: false,
    });
  });

  it('lists archived records too when asked, with no filter at all', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await store.list(RECORD_TYPES.account, query({ includeArchived: true }));

    const input = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('FilterExpression');
    expect(input?.ExpressionAttributeValues).toEqual({ ':ipk': 'account' });
  });

  it('keeps querying until the page is full, asking each time only for what is missing', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [leadItem(9)], LastEvaluatedKey: byOwnerKey(9) })
      .resolvesOnce({ Items: [leadItem(8), leadItem(7)], LastEvaluatedKey: byOwnerKey(7) });

    const page = await store.list(
      RECORD_TYPES.lead,
      query({ limit: 3, filters: [{ field: 'ownerId', value: OWNER, index: 'byOwner' }] }),
    );

    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, { Limit: 2, ExclusiveStartKey: byOwnerKey(9) });
    expect(page.items.map((r) => r.id)).toEqual([testId('led', 9), testId('led', 8), testId('led', 7)]);
    expect(page.items[0]).toEqual({ id: testId('led', 9), lastName: 'Lead 9' });
    expect(page.nextCursor).not.toBeNull();
  });

  it('stops at the last index page and gives no cursor', async () => {
    ddb.on(QueryCommand).resolves({ Items: [leadItem(1)] });

    const page = await store.list(RECORD_TYPES.lead, query({ limit: 10 }));

    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(page).toEqual({ items: [{ id: testId('led', 1), lastName: 'Lead 1' }], nextCursor: null });
  });

  it('gives up after ten index pages and hands back a cursor to resume from', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: byOwnerKey(3) });

    const page = await store.list(
      RECORD_TYPES.lead,
      query({ filters: [{ field: 'ownerId', value: OWNER, index: 'byOwner' }] }),
    );

    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 10);
    expect(page.items).toEqual([]);
    expect(page.nextCursor).toBe(encodeCursor(byOwnerKey(3)));
  });

  it('resumes exactly where the cursor of the previous page stopped', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [leadItem(9)], LastEvaluatedKey: byOwnerKey(9) });
    const ownerQuery = query({ limit: 1, filters: [{ field: 'ownerId', value: OWNER, index: 'byOwner' }] });
    const first = await store.list(RECORD_TYPES.lead, ownerQuery);
    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [leadItem(8)] });

    await store.list(RECORD_TYPES.lead, { ...ownerQuery, cursor: first.nextCursor ?? '' });

    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: byOwnerKey(9) });
  });

  it.each([
    ['issued for another owner', encodeCursor({ ...byOwnerKey(9), gsi2pk: `lead#${testId('usr', 8)}` })],
    ['issued by the by-type list', encodeCursor({ pk: 'lead#x', sk: 'RECORD', gsi1pk: 'lead', gsi1sk: 'x' })],
    ['with an extra attribute', encodeCursor({ ...byOwnerKey(9), archived: 'false' })],
    ['that is not base64url', 'eyJwayI6ImxlYWQifQ==+/'],
    ['that is oversized', 'A'.repeat(4096)],
  ])('refuses a cursor %s without calling DynamoDB', async (_what, cursor) => {
    const error = await failureOf(
      store.list(
        RECORD_TYPES.lead,
        query({ cursor: cursor ?? '', filters: [{ field: 'ownerId', value: OWNER, index: 'byOwner' }] }),
      ),
    );

    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});

describe('RecordStore.history', () => {
  const pk = `user#${USR}`;

  it("reads a record's audit entries newest first, without key attributes", async () => {
    const audit = auditEntryFor(user('ada@example.com'));
    ddb.on(QueryCommand).resolves({ Items: [{ ...audit, pk, sk: `AUDIT#${audit.id}`, entity: 'audit' }] });

    const page = await store.history('user', USR, 20);

    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :audit)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': pk, ':audit': 'AUDIT#' },
      ScanIndexForward: false,
      Limit: 20,
    });
    expect(page).toEqual({ items: [audit], nextCursor: null });
  });

  it.each([
    ['of another record', encodeCursor({ pk: `user#${testId('usr', 2)}`, sk: 'AUDIT#01JD' })],
    ['pointing at the record item instead of its history', encodeCursor({ pk, sk: 'RECORD' })],
  ])('refuses a history cursor %s without calling DynamoDB', async (_what, cursor) => {
    const error = await failureOf(store.history('user', USR, 20, cursor ?? ''));

    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
