import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
const ids: Record<string, string> = {};
let policyId: string;
let accountId: string;
let productId: string;

const user = async (key: string, body: Record<string, unknown>) => {
  const response = await hub.api.post('/v1/users', { email: `${key}@example.com`, ...body });
  ids[key] = response.body.id;
};

beforeAll(async () => {
  hub = await startTestHub();
  await user('dana', { name: 'Dana Director', role: 'manager' });
  await user('max', { name: 'Max Manager', role: 'manager', managerId: ids.dana });
  await user('ana', { name: 'Ana Seller', role: 'sales', managerId: ids.max });
  await user('fiona', { name: 'Fiona Finance', role: 'finance', managerId: ids.dana });
  await user('fred', { name: 'Fred Finance', role: 'finance', managerId: ids.dana, active: false });
  await user('ada', { name: 'Ada Admin', role: 'admin' });
  accountId = (await hub.api.post('/v1/accounts', { name: 'Acme', tier: 'gold' })).body.id;
  productId = (
    await hub.api.post('/v1/products', {
      name: 'Seat',
      sku: 'SEAT',
      family: 'Software',
      currency: 'EUR',
      unitPrice: 100_000,
    })
  ).body.id;
  const policy = await hub.api.post('/v1/admin/approval-policies', {
    activate: true,
    content: {
      name: 'Discounts',
      appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
      steps: [
        { name: 'Manager', approvers: [{ type: 'manager', level: 1 }] },
        {
          name: 'Director and finance',
          when: { fact: 'discountPercent', op: 'gte', value: 25 },
          approvers: [
            { type: 'user', userId: ids.dana },
            { type: 'role', role: 'finance' },
          ],
          mode: { type: 'all' },
        },
      ],
      fallbackApproverId: ids.ada,
    },
  });
  policyId = policy.body.id;
});
afterAll(() => hub?.stop());

const quote = async (discountPercent: number, ownerId = ids.ana) =>
  (
    await hub.api.post('/v1/quotes', {
      name: 'Deal',
      accountId,
      ownerId,
      currency: 'EUR',
      validUntil: '2027-06-30',
      lines: [{ productId, quantity: 10, discountPercent }],
    })
  ).body.id as string;

const simulate = (body: Record<string, unknown>) =>
  hub.api.post('/v1/admin/approval-policies/simulate', body, { as: 'sales' });

describe('approval dry run', () => {
  it('names the policy, the steps the quote enters and exactly who would be asked, and why', async () => {
    const response = await simulate({ quoteId: await quote(30) });

    expect(response.status).toBe(200);
    expect(response.body.policy).toMatchObject({
      id: policyId,
      version: 1,
      why: ['discountPercent 30 > 10'],
    });
    const [manager, director] = response.body.steps;
    expect(manager).toMatchObject({ name: 'Manager', applies: true, required: 1 });
    expect(manager.approvers).toEqual([
      expect.objectContaining({ userId: ids.max, reason: 'manager of Ana Seller (level 1)' }),
    ]);
    expect(director).toMatchObject({ applies: true, why: ['discountPercent 30 ≥ 25'], required: 2 });
    expect(director.approvers.map((a: { userId: string }) => a.userId)).toEqual([ids.dana, ids.fiona]);
    // Fred holds the finance role but is inactive: not asked, and nothing to fall back for.
    expect(director.approvers.map((a: { userId: string }) => a.userId)).not.toContain(ids.fred);
    expect(director.unresolved).toEqual([]);
    expect(response.body.autoApproved).toBe(false);
  });

  it('skips steps whose entry condition does not hold, saying why', async () => {
    const response = await simulate({ quoteId: await quote(15) });

    expect(response.body.steps.map((s: { applies: boolean }) => s.applies)).toEqual([true, false]);
    expect(response.body.steps[1].why).toEqual(['discountPercent 15 not ≥ 25']);
  });

  it('needs no approval when no active policy applies', async () => {
    const response = await simulate({ quoteId: await quote(5) });

    expect(response.body).toMatchObject({ policy: null, steps: [], autoApproved: true });
  });

  it('asks the delegate of an approver who is out of office, on their behalf', async () => {
    await hub.api.patch(`/v1/users/${ids.max}`, {
      outOfOffice: { from: '2027-01-01T00:00:00Z', until: '2027-01-15T00:00:00Z', delegateId: ids.dana },
    });
    const during = await simulate({ quoteId: await quote(15), at: '2027-01-10T12:00:00Z' });
    const after = await simulate({ quoteId: await quote(15), at: '2027-01-20T12:00:00Z' });

    expect(during.body.steps[0].approvers).toEqual([
      expect.objectContaining({ userId: ids.dana, onBehalfOf: { userId: ids.max, name: 'Max Manager' } }),
    ]);
    expect(after.body.steps[0].approvers[0].userId).toBe(ids.max);
  });

  it('asks the fallback approver, with the reason, when an approver cannot be resolved', async () => {
    const response = await simulate({ quoteId: await quote(15, ids.dana) });

    expect(response.body.steps[0].approvers).toEqual([
      expect.objectContaining({
        userId: ids.ada,
        reason: 'fallback: Dana Director has no manager at level 1',
      }),
    ]);
  });

  it('tries a draft version without activating it', async () => {
    await hub.api.post(`/v1/admin/approval-policies/${policyId}/versions`, {
      content: {
        name: 'Discounts',
        appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
        steps: [{ name: 'Finance only', approvers: [{ type: 'role', role: 'finance' }] }],
        fallbackApproverId: ids.ada,
      },
    });
    const draft = await simulate({ quoteId: await quote(30), policy: { id: policyId, version: 2 } });
    const active = await simulate({ quoteId: await quote(30) });

    expect(draft.body.steps.map((s: { name: string }) => s.name)).toEqual(['Finance only']);
    expect(active.body.steps).toHaveLength(2);
  });

  it('refuses a simulation of a quote that does not exist, and bad input, with clear problems', async () => {
    const missing = await simulate({ quoteId: 'quo_01JD0000000000000000000000' });
    const bad = await simulate({ quoteId: 'nope', extra: 1 });

    expect(missing.status).toBe(404);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/extra', '/quoteId']);
  });
});
