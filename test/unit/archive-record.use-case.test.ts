import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { setArchived } from '#functions/records/use-cases/archive-record.use-case';
import { DomainError } from '#functions/shared/errors';
import { type ProblemBody, problemOf as toProblem } from '#functions/shared/problem';
import type { StoredRecord } from '#schemas/common';
import { storedRecord, testId } from './support/builders.ts';
import { itemOf, NOW, recordDeps, source } from './support/record-deps.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const ACC = testId('acc', 1);
const QUO = testId('quo', 1);

const stores = (type: string, record: StoredRecord) => {
  ddb.on(GetCommand).resolves({ Item: itemOf(type, record) });
};

async function problemOf(promise: Promise<unknown>): Promise<ProblemBody> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return toProblem(error).toBody();
    throw error;
  }
  throw new Error('expected an HTTP problem');
}

beforeEach(() => {
  ddb.reset();
});

describe('setArchived', () => {
  it('archives a record as its next version with an audit entry of the flag', async () => {
    stores('account', storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 2 }));
    ddb.on(TransactWriteCommand).resolves({});

    const archived = await setArchived(recordDeps(), RECORD_TYPES.account, ACC, true, '"v2"', source);

    expect(archived).toMatchObject({ archived: true, version: 3, updatedAt: NOW.toISOString() });
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[1]?.Put?.Item).toMatchObject({
      action: 'archive',
      changes: [{ field: '/archived', from: false, to: true }],
    });
  });

  it('restores an archived record', async () => {
    stores('account', storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 3, archived: true }));
    ddb.on(TransactWriteCommand).resolves({});

    const restored = await setArchived(recordDeps(), RECORD_TYPES.account, ACC, false, undefined, source);

    expect(restored).toMatchObject({ archived: false, version: 4 });
  });

  it('answers an already archived record as it is, writing nothing', async () => {
    const current = storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 3, archived: true });
    stores('account', current);

    const result = await setArchived(recordDeps(), RECORD_TYPES.account, ACC, true, undefined, source);

    expect(result).toEqual(current);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('refuses a stale If-Match with 412', async () => {
    stores('account', storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 3 }));

    const problem = await problemOf(
      setArchived(recordDeps(), RECORD_TYPES.account, ACC, true, '"v1"', source),
    );

    expect(problem).toMatchObject({ status: 412, currentETag: '"v3"' });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('refuses to archive a quote pending approval with 409', async () => {
    stores('quote', storedRecord('quo', { name: 'Q', status: 'pending_approval', lines: [] }, { id: QUO }));

    const problem = await problemOf(
      setArchived(recordDeps(), RECORD_TYPES.quote, QUO, true, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/locked' });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});
