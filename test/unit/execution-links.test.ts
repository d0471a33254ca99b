/** The items that tie executions to records and task tokens to who settled them. */
import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '#store/cursor';
import { InvalidCursorError } from '#store/errors';
import { ExecutionLinkStore, tokenDigest } from '#store/execution-links';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new ExecutionLinkStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' })),
  'records',
);
const QUOTE = 'quo_01JD0000000000000000000001';
const link = {
  workflow: 'quote-approval',
  name: 'apr_1',
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:QA:apr_1',
  record: { type: 'quote', id: QUOTE },
  startedAt: '2025-03-01T09:00:00.000Z',
};

beforeEach(() => {
  ddb.reset();
});

describe('linking an execution to its record', () => {
  it('writes both directions in one transaction, the execution side only once', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await store.link(link)).toBe(true);
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((i) => [i.Put?.Item?.pk, i.Put?.Item?.sk, i.Put?.ConditionExpression ?? null])).toEqual([
      ['execution#quote-approval#apr_1', 'EXECUTION', 'attribute_not_exists(#pk)'],
      [`quote#${QUOTE}`, 'EXECUTION#2025-03-01T09:00:00.000Z#quote-approval#apr_1', null],
    ]);
    expect(items[0]?.Put?.Item?.expiresAt).toEqual(expect.any(Number));
  });

  it('answers false, changing nothing, when the execution was linked before (a retried start)', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    expect(await store.link(link)).toBe(false);
  });
});

describe('a record’s executions', () => {
  it('are one Query of the record’s partition, newest first, optionally of one workflow', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ ...link, recordType: 'quote', recordId: QUOTE }] });
    const page = await store.forRecord(
      { type: 'quote', id: QUOTE },
      { workflow: 'quote-approval', limit: 5 },
    );

    expect(page.items).toEqual([link]);
    expect(page.nextCursor).toBeNull();
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': `quote#${QUOTE}`,
        ':prefix': 'EXECUTION#',
        ':workflow': 'quote-approval',
      },
      ScanIndexForward: false,
      Limit: 5,
    });
  });

  it('refuse a cursor into another record or into its audit trail', async () => {
    const other = encodeCursor({ pk: 'quote#quo_01JD0000000000000000000002', sk: 'EXECUTION#x' });
    const audit = encodeCursor({ pk: `quote#${QUOTE}`, sk: 'AUDIT#01JD' });
    for (const cursor of [other, audit] as string[])
      await expect(
        store.forRecord({ type: 'quote', id: QUOTE }, { limit: 5, cursor }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });
});

describe('who settled a task token', () => {
  it('is kept under the token’s digest, never the token, and the first note stays', async () => {
    ddb.on(PutCommand).resolves({});
    await store.recordCallback('secret-token-value-0123456789', {
      outcome: 'success',
      actor: { id: 'usr_1', name: 'Grace', kind: 'user' },
      channel: 'sms',
      at: '2025-03-01T09:00:00.000Z',
    });
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;

    expect(put?.Item?.pk).toBe(`task-callback#${tokenDigest('secret-token-value-0123456789')}`);
    expect(JSON.stringify(put)).not.toContain('secret-token-value');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(#pk)');
  });

  it('is read back by digest in one BatchGetItem', async () => {
    const digest = tokenDigest('t-0123456789abcdef');
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        records: [
          {
            pk: `task-callback#${digest}`,
            sk: 'CALLBACK',
            entity: 'task-callback',
            outcome: 'failure',
            actor: { id: 'usr_1', name: 'Grace', kind: 'user' },
            channel: 'email',
            at: '2025-03-01T09:00:00.000Z',
            expiresAt: 1,
          },
        ],
      },
    });
    const found = await store.callbacks([digest, digest]);

    expect(found.get(digest)).toEqual({
      outcome: 'failure',
      actor: { id: 'usr_1', name: 'Grace', kind: 'user' },
      channel: 'email',
      at: '2025-03-01T09:00:00.000Z',
    });
    expect(ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.records?.Keys).toHaveLength(1);
  });
});
