import './support/env.ts';
import { describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { setArchived } from '#functions/records/use-cases/archive-record.use-case';
import { DomainError } from '#functions/shared/errors';
import { type ProblemBody, problemOf as toProblem } from '#functions/shared/problem';
import type { StoredRecord } from '#schemas/common';
import { storedRecord, testId } from './support/builders.ts';
import { NOW, recordDeps, source } from './support/record-deps.ts';

const ACC = testId('acc', 1);
const QUO = testId('quo', 1);

/** The store holding `record`, and the deps over it. */
const holding = (type: string, record: StoredRecord) => {
  const deps = recordDeps();
  deps.store.put(type, record);
  return deps;
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

describe('setArchived', () => {
  it('archives a record as its next version with an audit entry of the flag', async () => {
    const deps = holding('account', storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 2 }));

    const archived = await setArchived(deps, RECORD_TYPES.account, ACC, true, '"v2"', source);

    expect(archived).toMatchObject({ archived: true, version: 3, updatedAt: NOW.toISOString() });
    expect(await deps.store.get('account', ACC)).toEqual(archived);
    expect(deps.store.audits).toEqual([
      expect.objectContaining({
        action: 'archive',
        changes: [{ field: '/archived', from: false, to: true }],
      }),
    ]);
  });

  it('restores an archived record', async () => {
    const deps = holding(
      'account',
      storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 3, archived: true }),
    );

    const restored = await setArchived(deps, RECORD_TYPES.account, ACC, false, undefined, source);

    expect(restored).toMatchObject({ archived: false, version: 4 });
    expect(await deps.store.get('account', ACC)).toEqual(restored);
  });

  it('answers an already archived record as it is, writing nothing', async () => {
    const current = storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 3, archived: true });
    const deps = holding('account', current);

    const result = await setArchived(deps, RECORD_TYPES.account, ACC, true, undefined, source);

    expect(result).toEqual(current);
    expect(deps.store.audits).toEqual([]);
  });

  it('refuses a stale If-Match with 412', async () => {
    const deps = holding('account', storedRecord('acc', { name: 'Acme' }, { id: ACC, version: 3 }));

    const problem = await problemOf(setArchived(deps, RECORD_TYPES.account, ACC, true, '"v1"', source));

    expect(problem).toMatchObject({ status: 412, currentETag: '"v3"' });
    expect(deps.store.audits).toEqual([]);
  });

  it('refuses to archive a quote pending approval with 409', async () => {
    const deps = holding(
      'quote',
      storedRecord('quo', { name: 'Q', status: 'pending_approval', lines: [] }, { id: QUO }),
    );

    const problem = await problemOf(setArchived(deps, RECORD_TYPES.quote, QUO, true, undefined, source));

    expect(problem).toMatchObject({ status: 409, type: '/problems/locked' });
    expect(deps.store.audits).toEqual([]);
  });
});
