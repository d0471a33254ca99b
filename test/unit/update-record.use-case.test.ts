import './support/env.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { updateRecord } from '#functions/records/use-cases/update-record.use-case';
import { DomainError } from '#functions/shared/errors';
import { type ProblemBody, problemOf as toProblem } from '#functions/shared/problem';
import type { StoredRecord } from '#schemas/common';
import { TransactionConflictError, UniqueConflictError, VersionConflictError } from '#store/errors';
import { storedRecord, testId } from './support/builders.ts';
import { NOW, recordDeps, source } from './support/record-deps.ts';

const ACC = testId('acc', 1);

const account = (fields: Record<string, unknown> = {}, system: Partial<StoredRecord> = {}) =>
  storedRecord(
    'acc',
    { name: 'Acme', tier: 'standard', industry: 'Retail', ...fields },
    { id: ACC, version: 3, ...system },
  );

/** The store holding `record`, and the deps over it. */
const holding = (record: StoredRecord, type = 'account') => {
  const deps = recordDeps();
  deps.store.put(type, record);
  return deps;
};

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

afterEach(() => {
  vi.restoreAllMocks();
});

describe('updateRecord', () => {
  it('applies a merge patch as the next version and audits each changed field', async () => {
    // Prepare
    const deps = holding(account());
    const replace = vi.spyOn(deps.store, 'replace');

    // Act
    const next = await updateRecord(
      deps,
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
    expect(replace.mock.calls.map(([, previous, written]) => [previous.version, written])).toEqual([
      [3, next],
    ]);
    expect(await deps.store.get('account', ACC)).toEqual(next);
    expect(deps.store.audits[0]).toMatchObject({
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
    const deps = holding(current);

    const result = await updateRecord(deps, RECORD_TYPES.account, ACC, { name: 'Acme' }, undefined, source);

    expect(result).toEqual(current);
    expect(deps.store.audits).toEqual([]);
  });

  it('refuses a stale If-Match with 412 naming the current ETag, and writes nothing', async () => {
    const deps = holding(account());

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, ACC, { name: 'Initech' }, '"v2"', source),
    );

    expect(problem).toMatchObject({ status: 412, currentETag: '"v3"' });
    expect(deps.store.audits).toEqual([]);
  });

  it('answers 412 when another writer wins the race after a matching If-Match, without retrying', async () => {
    const deps = holding(account());
    const replace = vi.spyOn(deps.store, 'replace').mockRejectedValue(new VersionConflictError('changed'));

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, ACC, { name: 'Initech' }, '"v3"', source),
    );

    expect(problem.status).toBe(412);
    expect(problem.detail).toMatch(/changed while this update was being written/);
    expect(replace).toHaveBeenCalledTimes(1);
  });

  it('retries a lost race without If-Match on the fresh version', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const deps = holding(account());
    const replace = vi.spyOn(deps.store, 'replace').mockImplementationOnce(async () => {
      // Another writer got there first, with version 4.
      deps.store.put('account', account({ tier: 'gold' }, { version: 4 }));
      throw new VersionConflictError('changed');
    });

    const next = await updateRecord(deps, RECORD_TYPES.account, ACC, { name: 'Initech' }, undefined, source);

    expect(next).toMatchObject({ name: 'Initech', tier: 'gold', version: 5 });
    expect(replace).toHaveBeenCalledTimes(2);
    expect(await deps.store.get('account', ACC)).toEqual(next);
  });

  it('gives up with 409 and Retry-After when every attempt loses to other writers', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const deps = holding(account());
    const replace = vi.spyOn(deps.store, 'replace').mockRejectedValue(new TransactionConflictError('busy'));

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, ACC, { name: 'Initech' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/write-conflict' });
    expect(problem.headers).toEqual({ 'retry-after': '1' });
    expect(replace).toHaveBeenCalledTimes(8);
  });

  it('refuses to edit an archived record with 409', async () => {
    const deps = holding(account({}, { archived: true }));

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, ACC, { name: 'Initech' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/archived' });
    expect(deps.store.audits).toEqual([]);
  });

  it('refuses to edit a quote pending approval with 409 saying to recall it', async () => {
    const quoteId = testId('quo', 1);
    const quote = storedRecord('quo', { name: 'Q', status: 'pending_approval', lines: [] }, { id: quoteId });
    const deps = holding(quote, 'quote');

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.quote, quoteId, { notes: 'x' }, undefined, source),
    );

    expect(problem).toMatchObject({ status: 409, type: '/problems/locked' });
    expect(problem.detail).toContain('recall it before editing');
  });

  it('validates the merged record as a whole: removing a required field is a 422 on it', async () => {
    const deps = holding(account());

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, ACC, { name: null }, undefined, source),
    );

    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: '/name' })]);
  });

  it('refuses a patch carrying "__proto__" as an unknown field and writes nothing', async () => {
    const deps = holding(account());

    const problem = await problemOf(
      updateRecord(
        deps,
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
    expect(deps.store.audits).toEqual([]);
  });

  it('refuses a reference to a record that does not exist with 422 on its field', async () => {
    const owner = testId('usr', 9);
    const deps = holding(account());

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, ACC, { ownerId: owner }, undefined, source),
    );

    expect(problem.errors).toEqual([
      { pointer: '/ownerId', detail: `no user with id "${owner}" exists`, code: 'unknown_reference' },
    ]);
    expect(deps.store.audits).toEqual([]);
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
    const deps = holding(current, 'user');
    const grace = testId('usr', 2);
    vi.spyOn(deps.store, 'replace').mockRejectedValue(
      new UniqueConflictError('email', 'grace@example.com', grace),
    );

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.user, usr, { email: 'grace@example.com' }, undefined, source),
    );

    expect(problem).toMatchObject({
      status: 409,
      type: '/problems/unique-value-taken',
      field: '/email',
      heldBy: grace,
    });
  });

  it('answers 404 for an id of the wrong shape without reading the table', async () => {
    const deps = recordDeps();
    const get = vi.spyOn(deps.store, 'get');

    const problem = await problemOf(
      updateRecord(deps, RECORD_TYPES.account, 'acc_nope', { name: 'x' }, undefined, source),
    );

    expect(problem.status).toBe(404);
    expect(get).not.toHaveBeenCalled();
  });
});
