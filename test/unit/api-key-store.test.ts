import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, ApiKeyStore } from '#store/api-key-store';

const ddb = mockClient(DynamoDBDocumentClient);
const keys = new ApiKeyStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' })),
  'records',
);
const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

beforeEach(() => {
  ddb.reset();
});

describe('ApiKeyStore', () => {
  it('issues a key in the documented format and stores only its digest', async () => {
    ddb.on(PutCommand).resolves({});

    const { key, record } = await keys.issue('ERP connector', 'finance', {
      now: new Date('2026-03-01T09:00:00Z'),
    });

    expect(key).toMatch(API_KEY_PATTERN);
    expect(record).toEqual({
      keyId: expect.stringMatching(/^key_[0-9A-Z]{26}$/),
      name: 'ERP connector',
      role: 'finance',
      createdAt: '2026-03-01T09:00:00.000Z',
    });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
      TableName: 'records',
      Item: { pk: `APIKEY#${sha256(key)}`, sk: 'APIKEY', entity: 'api-key', ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.stringify(ddb.commandCalls(PutCommand)[0]?.args[0].input)).not.toContain(key.slice(4));
  });

  it("records the staff user a person's key acts for", async () => {
    ddb.on(PutCommand).resolves({});
    const userId = 'usr_01JD0000000000000000000007';

    const { record } = await keys.issue('Ada (laptop)', 'sales', { userId });

    expect(record.userId).toBe(userId);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { Item: expect.objectContaining({ userId }) });
  });

  it('issues a different key every time', async () => {
    ddb.on(PutCommand).resolves({});

    const first = await keys.issue('A', 'sales');
    const second = await keys.issue('B', 'sales');

    expect(first.key).not.toBe(second.key);
    expect(first.record.keyId).not.toBe(second.record.keyId);
  });

  it('finds an issued key by its digest and answers only the key facts', async () => {
    const key = `jct_${'A'.repeat(40)}`;
    ddb.on(GetCommand, { Key: { pk: `APIKEY#${sha256(key)}`, sk: 'APIKEY' } }).resolves({
      Item: {
        pk: `APIKEY#${sha256(key)}`,
        sk: 'APIKEY',
        entity: 'api-key',
        keyId: 'key_1',
        name: 'Web form',
        role: 'sales',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });

    expect(await keys.find(key)).toEqual({
      keyId: 'key_1',
      name: 'Web form',
      role: 'sales',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('answers undefined for a malformed key without reading the table', async () => {
    expect(await keys.find('jct_short')).toBeUndefined();
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
