import './support/env.ts';
import { describe, expect, it } from 'vitest';
import {
  type ActivePolicy,
  PlanningError,
  planApproval,
  type QuoteForApproval,
} from '#functions/approvals/domain/approval-plan';
import type { Directory, DirectoryUser } from '#functions/approvals/ports';
import type { ApprovalPolicy } from '#schemas/admin/approval-policy';

const AT = new Date('2026-06-01T10:00:00Z');

/** Dana directs Max, who manages Ana (sales); Ada is the admin and usual fallback. */
function directory(overrides: Partial<Record<string, Partial<DirectoryUser>>> = {}): Directory {
  const base: Record<string, DirectoryUser> = {
    dana: { id: 'dana', name: 'Dana', email: 'dana@example.com', role: 'manager', active: true },
    max: {
      id: 'max',
      name: 'Max',
      email: 'max@example.com',
      role: 'manager',
      managerId: 'dana',
      active: true,
    },
    ana: { id: 'ana', name: 'Ana', email: 'ana@example.com', role: 'sales', managerId: 'max', active: true },
    ada: { id: 'ada', name: 'Ada', email: 'ada@example.com', role: 'admin', active: true },
  };
  const users = Object.fromEntries(
    Object.entries(base).map(([id, user]) => [id, { ...user, ...overrides[id] } as DirectoryUser]),
  );
  return {
    user: async (id) => users[id],
    usersWithRole: async (role) => Object.values(users).filter((u) => u.role === role),
    queueMembers: async () => undefined,
  };
}

const quote: QuoteForApproval = {
  id: 'quo_1',
  totals: { discountPercent: 20, total: 80_000, net: 80_000, marginPercent: 60 },
  currency: 'EUR',
  lines: [{ sku: 'SEAT', discountPercent: 20 }],
};

const policy = (content: Partial<ApprovalPolicy>): ActivePolicy => ({
  id: 'apl_1',
  version: 1,
  content: {
    name: 'Discounts',
    priority: 100,
    appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
    steps: [{ name: 'Manager', approvers: [{ type: 'manager', level: 1 }], mode: { type: 'any' } }],
    fallbackApproverId: 'ada',
    linkValidityHours: 72,
    ...content,
  } as ApprovalPolicy,
});

const askedIn = (plan: Awaited<ReturnType<typeof planApproval>>) =>
  plan.steps.map((s) => s.approvers.map((a) => a.userId));

describe('planApproval: nobody approves what they submit or own', () => {
  it('does not ask the manager who submits a quote owned by their report, and asks the fallback', async () => {
    const plan = await planApproval(directory(), {
      quote,
      submitterId: 'ana',
      ineligible: ['max'],
      policies: [policy({})],
      at: AT,
    });

    expect(askedIn(plan)).toEqual([['ada']]);
    expect(plan.steps[0]?.unresolved.join(' ')).toContain(
      'Max (manager of Ana (level 1)) submitted or owns the quote',
    );
  });

  it('skips a delegate who is the submitter, and asks the fallback instead', async () => {
    const plan = await planApproval(
      directory({
        dana: {
          outOfOffice: { from: '2026-05-01T00:00:00Z', until: '2026-07-01T00:00:00Z', delegateId: 'max' },
        },
      }),
      {
        quote,
        submitterId: 'ana',
        ineligible: ['max'],
        policies: [
          policy({
            steps: [
              { name: 'Director', approvers: [{ type: 'user', userId: 'dana' }], mode: { type: 'any' } },
            ],
          }),
        ],
        at: AT,
      },
    );

    expect(askedIn(plan)).toEqual([['ada']]);
    expect(plan.steps[0]?.unresolved.join(' ')).toContain('Max would answer for Dana');
  });

  it('never asks the owner, even when the policy names them', async () => {
    const plan = await planApproval(directory(), {
      quote,
      submitterId: 'ana',
      policies: [
        policy({
          steps: [
            {
              name: 'Named',
              approvers: [
                { type: 'user', userId: 'ana' },
                { type: 'user', userId: 'dana' },
              ],
              mode: { type: 'all' },
            },
          ],
        }),
      ],
      at: AT,
    });

    expect(askedIn(plan)).toEqual([['dana']]);
  });

  it('refuses to plan when the fallback is the submitter, rather than approving', async () => {
    const planning = planApproval(directory(), {
      quote,
      submitterId: 'ana',
      ineligible: ['max'],
      policies: [policy({ fallbackApproverId: 'max' })],
      at: AT,
    });

    await expect(planning).rejects.toBeInstanceOf(PlanningError);
    await expect(planning).rejects.toThrow(/fallback approver is Max, who submitted or owns it/);
  });

  it('does not hand the fallback to a delegate who submitted the quote', async () => {
    const plan = await planApproval(
      directory({
        ada: {
          outOfOffice: { from: '2026-05-01T00:00:00Z', until: '2026-07-01T00:00:00Z', delegateId: 'max' },
        },
      }),
      { quote, submitterId: 'ana', ineligible: ['max'], policies: [policy({})], at: AT },
    );

    expect(askedIn(plan)).toEqual([['ada']]);
  });
});

describe('planApproval: facts a quote cannot dodge', () => {
  const marginPolicy = (whenUnknown?: 'ask' | 'skip') =>
    policy({
      appliesWhen: undefined,
      ...(whenUnknown ? { whenUnknown } : {}),
      steps: [
        {
          name: 'Margin check',
          when: { fact: 'marginPercent', op: 'lt', value: 30 },
          approvers: [{ type: 'user', userId: 'dana' }],
          mode: { type: 'any' },
        },
      ],
    });

  it('asks the discount step for a free-text line at price 0, instead of reading it as no discount', async () => {
    const plan = await planApproval(directory(), {
      quote: {
        id: 'quo_2',
        totals: { discountPercent: 0, total: 100_000, net: 100_000, marginPercent: 80 },
        currency: 'EUR',
        lines: [
          { sku: 'SEAT', discountPercent: 0 },
          { discountPercent: 0 }, // "10 more seats, free": no product, no list price
        ],
      },
      submitterId: 'ana',
      policies: [policy({})],
      at: AT,
    });

    expect(plan.facts).toMatchObject({ hasCustomLines: true });
    expect(plan.facts.discountPercent).toBeUndefined();
    expect(plan.autoApproved).toBe(false);
    expect(askedIn(plan)).toEqual([['max']]);
    expect(plan.policy?.why).toEqual([
      'discountPercent is unknown',
      'a fact it tests is unknown, so it applies (asks)',
    ]);
  });

  it('treats a product priced in another currency as an unknown discount, not 0 %', async () => {
    const plan = await planApproval(directory(), {
      quote: {
        id: 'quo_3',
        totals: { discountPercent: 0, total: 100_000, net: 100_000 },
        currency: 'USD',
        lines: [{ sku: 'SEAT', listPriceKnown: false, discountPercent: 0 }],
      },
      submitterId: 'ana',
      policies: [policy({})],
      at: AT,
    });

    expect(plan.autoApproved).toBe(false);
  });

  it('asks a margin step when a line has no cost, and says why; a policy may choose to skip instead', async () => {
    const noCost: QuoteForApproval = {
      ...quote,
      totals: { discountPercent: 20, total: 80_000, net: 80_000 },
    };

    const asks = await planApproval(directory(), {
      quote: noCost,
      submitterId: 'ana',
      policies: [marginPolicy()],
      at: AT,
    });
    const skips = await planApproval(directory(), {
      quote: noCost,
      submitterId: 'ana',
      policies: [marginPolicy('skip')],
      at: AT,
    });

    expect(asks.facts).toMatchObject({ marginKnown: false });
    expect(asks.steps[0]).toMatchObject({ applies: true });
    expect(asks.steps[0]?.why).toContain('marginPercent is unknown');
    expect(skips.steps[0]).toMatchObject({ applies: false });
    expect(skips.autoApproved).toBe(true);
  });

  it('still skips a margin step when the margin is known and healthy', async () => {
    const plan = await planApproval(directory(), {
      quote,
      submitterId: 'ana',
      policies: [marginPolicy()],
      at: AT,
    });

    expect(plan.facts).toMatchObject({ marginKnown: true, marginPercent: 60, hasCustomLines: false });
    expect(plan.steps[0]).toMatchObject({ applies: false });
  });
});
