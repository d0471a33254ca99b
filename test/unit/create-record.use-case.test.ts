import './support/env.ts';
import { describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { createRecord } from '#functions/records/use-cases/create-record.use-case';
import { DomainError } from '#functions/shared/errors';
import { type ProblemBody, problemOf as toProblem } from '#functions/shared/problem';
import { pricingProduct, storedProduct, storedRecord, testId } from './support/builders.ts';
import { NOW, recordDeps, source } from './support/record-deps.ts';

const ACC = testId('acc', 1);
const PRD = testId('prd', 1);

async function problemOf(promise: Promise<unknown>): Promise<ProblemBody> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return toProblem(error).toBody();
    throw error;
  }
  throw new Error('expected an HTTP problem');
}

describe('createRecord', () => {
  it('writes version 1 with server fields and an audit entry listing every field it set', async () => {
    const deps = recordDeps();

    const record = await createRecord(
      deps,
      RECORD_TYPES.account,
      { name: ' Globex ', country: 'US' },
      source,
    );

    expect(record).toEqual({
      id: expect.stringMatching(/^acc_[0-9A-HJKMNP-TV-Z]{26}$/),
      name: 'Globex',
      country: 'US',
      tier: 'standard',
      version: 1,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      createdBy: source.actor.id,
      updatedBy: source.actor.id,
      archived: false,
    });
    expect(await deps.store.get('account', record.id)).toEqual(record);
    expect(deps.store.audits).toEqual([
      expect.objectContaining({
        recordId: record.id,
        action: 'create',
        version: 1,
        at: NOW.toISOString(),
        context: source.context,
        changes: [
          { field: '/country', to: 'US' },
          { field: '/name', to: 'Globex' },
          { field: '/tier', to: 'standard' },
        ],
      }),
    ]);
  });

  it('refuses an invalid body with 422 and writes nothing', async () => {
    const deps = recordDeps();
    const problem = await problemOf(createRecord(deps, RECORD_TYPES.lead, { lastName: 'Lovelace' }, source));

    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: '/email' })]);
    expect(deps.store.records.size).toBe(0);
    expect(deps.store.audits).toEqual([]);
  });

  it('refuses a reference to an archived record with 422 on its field', async () => {
    const deps = recordDeps();
    deps.store.put('account', storedRecord('acc', { name: 'Old' }, { id: ACC, archived: true }));

    const problem = await problemOf(
      createRecord(deps, RECORD_TYPES.contact, { lastName: 'Lovelace', accountId: ACC }, source),
    );

    expect(problem.errors).toEqual([
      { pointer: '/accountId', detail: `account ${ACC} is archived`, code: 'archived_reference' },
    ]);
    expect(deps.store.audits).toEqual([]);
  });

  it('prices a new quote from its products and stores it as a draft', async () => {
    const deps = recordDeps();
    deps.store.put('account', storedRecord('acc', { name: 'Acme' }, { id: ACC }));
    deps.store.put('product', storedProduct(pricingProduct({ id: PRD, unitPrice: 10_000, unitCost: 4_000 })));
    const body = {
      name: 'Renewal',
      accountId: ACC,
      currency: 'EUR',
      validUntil: '2027-01-31',
      lines: [{ productId: PRD, quantity: 3, discountPercent: 10 }],
      taxRatePercent: 19,
    };

    const quote = await createRecord(deps, RECORD_TYPES.quote, body, source);

    expect(quote.status).toBe('draft');
    expect(quote.totals).toEqual({
      listTotal: 30_000,
      subtotal: 27_000,
      headerDiscount: 0,
      net: 27_000,
      tax: 5_130,
      total: 32_130,
      discountPercent: 10,
      marginPercent: 55.56,
    });
  });

  it('answers a pricing issue as 422 on the line it concerns', async () => {
    const deps = recordDeps();
    deps.store.put('account', storedRecord('acc', { name: 'Acme' }, { id: ACC }));
    deps.store.put('product', storedProduct(pricingProduct({ id: PRD, sku: 'US-1', currency: 'USD' })));
    const body = {
      name: 'Renewal',
      accountId: ACC,
      currency: 'EUR',
      validUntil: '2027-01-31',
      lines: [{ productId: PRD, quantity: 1 }],
    };

    const problem = await problemOf(createRecord(deps, RECORD_TYPES.quote, body, source));

    expect(problem.errors).toEqual([
      {
        pointer: '/lines/0/unitPrice',
        detail: 'product US-1 is priced in USD; give a unitPrice in EUR',
        code: 'invalid_value',
      },
    ]);
  });

  it('answers 409 naming the field and the holder when a unique value is taken', async () => {
    const deps = recordDeps();
    const body = { name: 'Widget', sku: 'W-1', family: 'Hardware', currency: 'EUR', unitPrice: 100 };
    const holder = (await createRecord(deps, RECORD_TYPES.product, body, source)).id;

    const problem = await problemOf(
      createRecord(deps, RECORD_TYPES.product, { ...body, name: 'Widget 2' }, source),
    );

    expect(problem).toMatchObject({
      status: 409,
      type: '/problems/unique-value-taken',
      field: '/sku',
      heldBy: holder,
    });
    expect(problem.detail).toBe(`Product sku "W-1" is already used by ${holder}.`);
    expect(deps.store.audits).toHaveLength(1);
  });
});
