import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { updateRecord } from '#functions/records/use-cases/update-record.use-case';
import { DomainError } from '#functions/shared/errors';
import { type ProblemBody, problemOf as toProblem } from '#functions/shared/problem';
import type { StoredRecord } from '#schemas/common';
import { storedRecord, testId } from './support/builders.ts';
import { itemOf, NOW, recordDeps, source } from './support/record-deps.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const ACC = testId('acc', 1);

const account = (fields: Record<string, unknown> = {}, system: Partial<StoredRecord> = {}) =>
  storedRecord(
    'acc',
    { name: 'Acme', tier: 'standard', industry: 'Retail', ...fields },
    { id: ACC, version: 3, ...system },
  );

const stores = (record: StoredRecord, type = 'account') => {
  ddb
    .on(GetCommand, { Key: { pk: `${type}#${record.id}`, sk: 'RECORD' } })
    .resolves({ Item: itemOf(type, record) });
};

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

async function problemOf(
  promise: Promise<unknown>,
): Promise<ProblemBody & { headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) {
      const problem = toProblem(error);
      return { ...problem.toBody(), headers: problem.headers };
    }
    throw error;
  }
  throw new Error('expected an HTTP problem');
}

beforeEach(() => {
  ddb.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('updateRecord', () => {
  it('applies a merge patch as the next version and audits each changed field', async () => {
    // Prepare
    stores(account());
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const next = await updateRecord(
      recordDeps(),
      RECORD_TYPES.account,
      ACC,
      { industry: null, employees: 40 },
      undefined,
      source,
    );

    // Assess
    expect(next).toEqual({
      id: ACC,
      name: 'Acme',
      tier: 'standard',
      employees: 40,
      version: 4,
      createdAt: '2026-03-01T09:00:00.000Z',
      createdBy: 'key_creator',
      updatedAt: NOW.toISOString(),
      updatedBy: 'key_01JDACTOR',
      archived: false,
    });
    const [put, audit] = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(put?.Put?.ExpressionAttributeValues).toEqual({ ':expected': 3 });
    expect(audit?.Put?.Item).toMatchObject({
      action: 'update',
      version: 4,
      channel: 'api',
      actor: source.actor,
      changes: [
        { field: '/employees', to: 40 },
        { field: '/industry', from: 'Retail' },
      ],
    });
  });

  it('writes nothing for a patch that changes nothing', async () => {
    const current = account();
    stores(current);

    const result = await updateRecord(
      recordDeps(),
      RECORD_TYPES.account,
      ACC,
      { name: 'Acme' },
      undefined,
      source,
    );

    expect(result).toEqual(current);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('refuses a stale If-Match with 412 naming the current ETag, and writes nothing', async () => {
    stores(account());

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, ACC, { name: 'Initech' }, '"v2"', source),
    );

    expect(problem).toMatchObject({ status: 412, currentETag: '"v3"' });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('answers 412 when another writer wins the race after a matching If-Match, without retrying', async () => {
    stores(account());
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, ACC, { name: 'Initech' }, '"v3"', source),
    );

    expect(problem.status).toBe(412);
    expect(problem.detail).toMatch(/changed while this update was being written/);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('retries a lost race without If-Match on the fresh version', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: itemOf('account', account()) })
      .resolves({ Item: itemOf('account', account({ tier: 'gold' }, { version: 4 })) });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).resolves({});

    const next = await updateRecord(
      recordDeps(),
      RECORD_TYPES.account,
      ACC,
      { name: 'Initech' },
      undefined,
      source,
    );

    expect(next).toMatchObject({ name: 'Initech', tier: 'gold', version: 5 });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('gives up with 409 and Retry-After when every attempt loses to other writers', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    stores(account());
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, ACC, { name: 'Initech' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/write-conflict' });
    expect(problem.headers).toEqual({ 'retry-after': '1' });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 8);
  });

  it('refuses to edit an archived record with 409', async () => {
    stores(account({}, { archived: true }));

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, ACC, { name: 'Initech' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/archived' });
  });

  it('refuses to edit a quote pending approval with 409 saying to recall it', async () => {
    const quoteId = testId('quo', 1);
    const quote = storedRecord('quo', { name: 'Q', status: 'pending_approval', lines: [] }, { id: quoteId });
    stores(quote, 'quote');

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.quote, quoteId, { notes: 'x' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/locked' });
    expect(problem.detail).toContain('recall it before editing');
  });

  it('validates the merged record as a whole: removing a required field is a 422 on it', async () => {
    stores(account());

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, ACC, { name: null }, undefined, source),
    );

    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: '/name' })]);
  });

  it('refuses a patch carrying "__proto__" as an unknown field and writes nothing', async () => {
    stores(account());

    const problem = await problemOf(
      updateRecord(
        recordDeps(),
        RECORD_TYPES.account,
        ACC,
        JSON.parse('{"__proto__": {"tier": "platinum"}}'),
        undefined,
        source,
      ),
    );

    expect(problem.errors).toEqual([
      { pointer: '/__proto__', detail: 'is not a known field', code: 'unknown_field' },
    ]);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('refuses a reference to a record that does not exist with 422 on its field', async () => {
    const owner = testId('usr', 9);
    stores(account());
    ddb.on(BatchGetCommand).resolves({ Responses: { records: [] } });

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, ACC, { ownerId: owner }, undefined, source),
    );

    expect(problem.errors).toEqual([
      { pointer: '/ownerId', detail: `no user with id "${owner}" exists`, code: 'unknown_reference' },
    ]);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('answers 409 naming the field when a new unique value is taken', async () => {
    const usr = testId('usr', 1);
    const current = storedRecord(
      'usr',
      {
        name: 'Ada',
        email: 'ada@example.com',
        role: 'sales',
        timeZone: 'UTC',
        active: true,
        smsOptOut: false,
      },
      { id: usr },
    );
    stores(current, 'user');
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None'));

    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.user, usr, { email: 'grace@example.com' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/unique-value-taken', field: '/email' });
  });

  it('answers 404 for an id of the wrong shape without reading the table', async () => {
    const problem = await problemOf(
      updateRecord(recordDeps(), RECORD_TYPES.account, 'acc_nope', { name: 'x' }, undefined, source),
    );

    expect(problem.status).toBe(404);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
