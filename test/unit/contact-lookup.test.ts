import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { LeadRoutingStore } from '#store/lead-routing-store';
import { RecordStore } from '#store/record-store';
import { auditEntryFor, storedRecord, testId } from './support/builders.ts';

const TABLE = 'records';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' }));
const records = new RecordStore(client, TABLE);
const leads = new LeadRoutingStore(client, TABLE);

beforeEach(() => {
  ddb.reset();
});

const CON = testId('con', 1);
const contact = (fields: Record<string, unknown>, version = 1) =>
  storedRecord('con', { firstName: 'Ada', lastName: 'Byron', ...fields }, { id: CON, version });

type Items = { Put?: { Item: Record<string, unknown> }; Delete?: { Key: Record<string, unknown> } }[];
const written = () => (ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? []) as Items;

describe('contact lookup keys', () => {
  it('are written with a new contact, one per email and phone, in its transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const record = contact({ email: 'Ada@Example.com', phone: '+4915112345678' });

    await records.create(RECORD_TYPES.contact, record, auditEntryFor(record));

    const keys = written().flatMap((i) =>
      i.Put?.Item.entity === 'lookup' ? [[i.Put.Item.pk, i.Put.Item.sk]] : [],
    );
    expect(keys).toEqual([
      ['LOOKUP#contact#email#ada@example.com', CON],
      ['LOOKUP#contact#phone#+4915112345678', CON],
    ]);
  });

  it('move with a changed email and stay put for a change of letter case', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const before = contact({ email: 'ada@example.com' });

    await records.replace(
      RECORD_TYPES.contact,
      before,
      contact({ email: 'ada@byron.org' }, 2),
      auditEntryFor(before),
    );
    const moved = written();
    ddb.reset();
    ddb.on(TransactWriteCommand).resolves({});
    await records.replace(
      RECORD_TYPES.contact,
      before,
      contact({ email: 'ADA@example.com' }, 2),
      auditEntryFor(before),
    );

    expect(moved.flatMap((i) => (i.Delete ? [i.Delete.Key.pk] : []))).toEqual([
      'LOOKUP#contact#email#ada@example.com',
    ]);
    expect(moved.flatMap((i) => (i.Put?.Item.entity === 'lookup' ? [i.Put.Item.pk] : []))).toEqual([
      'LOOKUP#contact#email#ada@byron.org',
    ]);
    expect(written().filter((i) => i.Delete || i.Put?.Item.entity === 'lookup')).toEqual([]);
  });

  it('let lead intake find a contact by one Query per value and a Get, never by reading every contact', async () => {
    ddb
      .on(QueryCommand)
      .callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
        Items:
          input.ExpressionAttributeValues[':pk'] === 'LOOKUP#contact#email#ada@example.com'
            ? [{ recordId: CON }]
            : [],
      }))
      .on(GetCommand)
      .resolves({ Item: { id: CON, email: 'ada@example.com', archived: false } });

    const found = await leads.findContact({ email: 'Ada@Example.com', phone: '+4915112345678' });

    expect(found).toMatchObject({ id: CON });
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(2);
    for (const query of queries) {
      expect(query.IndexName).toBeUndefined();
      expect(String(query.ExpressionAttributeValues?.[':pk'])).toMatch(/^LOOKUP#contact#/);
    }
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: `contact#${CON}`, sk: 'RECORD' } });
  });

  it('skip an archived contact', async () => {
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ recordId: CON }] })
      .on(GetCommand)
      .resolves({ Item: { id: CON, archived: true } });

    expect(await leads.findContact({ email: 'ada@example.com' })).toBeUndefined();
  });
});
