/**
 * The routing decision and the score, over an in-memory directory: which rule, which reps can
 * take the lead and why not, who gets it under each strategy, and the explanation people read.
 */
import { describe, expect, it } from 'vitest';
import { leadFacts, scoreLead } from '#functions/leads/domain/lead-scoring';
import { planRouting, type RoutingDirectory, type RoutingUser } from '#functions/leads/domain/routing-plan';
import { ownerEmail, ownerSms } from '#functions/leads/views/lead-messages';
import { LeadRouting } from '#schemas/admin/lead-routing';

const AT = new Date('2026-03-02T10:00:00Z');
const id = (n: number) => `usr_01JD00000000000000000000${String(n).padStart(2, '0')}`;
const QUEUE = 'que_01JD0000000000000000000001';
const FALLBACK = 'que_01JD0000000000000000000002';

function directory(users: Partial<RoutingUser>[], loads: Record<string, number> = {}) {
  const byId = new Map(
    users.map((u, i) => {
      const user = {
        id: id(i + 1),
        name: `Rep ${i + 1}`,
        email: `rep${i + 1}@x.example`,
        role: 'sales',
        active: true,
        ...u,
      };
      return [user.id, user as RoutingUser];
    }),
  );
  const tickets = new Map<string, number>();
  const taken: string[] = [];
  const dir: RoutingDirectory & { taken: string[] } = {
    taken,
    user: async (userId) => byId.get(userId),
    users: async (ids) => new Map(ids.flatMap((i) => (byId.has(i) ? [[i, byId.get(i) as RoutingUser]] : []))),
    queue: async (queueId) =>
      queueId === QUEUE
        ? {
            id: QUEUE,
            name: 'Sales',
            memberIds: [...byId.keys()].filter((k) => k !== id(9)),
            strategy: 'round-robin',
          }
        : queueId === FALLBACK
          ? { id: FALLBACK, name: 'Inbound', memberIds: [id(9)], strategy: 'round-robin' }
          : undefined,
    territoryReps: async (territory) => [...byId.values()].filter((u) => u.territory === territory),
    openLeads: async (userId) => loads[userId] ?? 0,
    ticket: async (counter) => {
      const next = tickets.get(counter) ?? 0;
      tickets.set(counter, next + 1);
      taken.push(counter);
      return next;
    },
  };
  return dir;
}

const routing = (rules: unknown[], extra: Record<string, unknown> = {}) =>
  LeadRouting.parse({ name: 'R', rules, fallbackQueueId: FALLBACK, ...extra });

const toQueue = { type: 'queue', queueId: QUEUE };

describe('scoring', () => {
  it('adds the points of every rule that holds and says why', () => {
    const facts = leadFacts({ email: 'a@gmail.com', country: 'DE', employees: 40 }, 'lfm_1');
    const score = scoreLead(
      routing([], {
        scoring: [
          { name: 'DACH', when: { fact: 'country', op: 'in', value: ['DE', 'AT'] }, points: 20 },
          { name: 'Big', when: { fact: 'employees', op: 'gte', value: 500 }, points: 30 },
          { name: 'Free mail', when: { fact: 'emailDomain', op: 'eq', value: 'gmail.com' }, points: -15 },
        ],
      }).scoring,
      facts,
    );

    expect(facts).toMatchObject({
      emailDomain: 'gmail.com',
      hasEmail: true,
      hasPhone: false,
      formId: 'lfm_1',
    });
    expect(score).toEqual({
      score: 5,
      breakdown: [
        { rule: 'DACH', points: 20, why: ['country DE ∈ [DE, AT]'] },
        { rule: 'Free mail', points: -15, why: ['emailDomain gmail.com = gmail.com'] },
      ],
    });
  });
});

describe('routing', () => {
  it('takes the first rule that matches, and round-robins its queue by ticket', async () => {
    const dir = directory([{}, {}, {}, { name: 'Fallback' }, {}, {}, {}, {}, { name: 'Inbound rep' }]);
    const config = routing([
      { name: 'Never', when: { fact: 'country', op: 'eq', value: 'FR' }, assignTo: toQueue },
      { name: 'Germany', when: { fact: 'country', op: 'eq', value: 'DE' }, assignTo: toQueue },
    ]);
    const owners: string[] = [];
    for (let i = 0; i < 9; i++)
      owners.push(
        (await planRouting(dir, { facts: { country: 'DE' }, routing: config, at: AT })).assignee?.id ?? '',
      );

    expect(owners.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map(id));
    expect(owners[8]).toBe(id(1));
  });

  it('skips reps who are out of office, inactive or at capacity, and says so', async () => {
    const dir = directory(
      [
        { outOfOffice: { from: '2026-03-01T00:00:00Z', until: '2026-03-05T00:00:00Z' } },
        { active: false },
        { capacity: 2 },
        {},
      ],
      { [id(3)]: 2 },
    );
    const plan = await planRouting(dir, {
      facts: {},
      routing: routing([{ name: 'All', assignTo: toQueue }]),
      at: AT,
    });

    expect(plan.assignee?.id).toBe(id(4));
    expect(plan.explanation).toBe(
      "rule 'All' matched: always; round-robin in queue Sales → Rep 4; skipped Rep 1 (out of office until 2026-03-05 00:00), Rep 2 (inactive), Rep 3 (at capacity (2/2 open leads))",
    );
    // One rep left: no turn is taken.
    expect(dir.taken).toEqual([]);
  });

  it('counts an out-of-office window as over once it ends', async () => {
    const dir = directory([{ outOfOffice: { from: '2026-02-01T00:00:00Z', until: '2026-03-02T10:00:00Z' } }]);
    const plan = await planRouting(dir, {
      facts: {},
      routing: routing([{ name: 'All', assignTo: toQueue }]),
      at: AT,
    });

    expect(plan.assignee?.id).toBe(id(1));
  });

  it('gives a least-loaded target’s lead to the rep with fewest open leads', async () => {
    const dir = directory([{ territory: 'APAC' }, { territory: 'APAC' }, { territory: 'APAC' }], {
      [id(1)]: 4,
      [id(2)]: 1,
      [id(3)]: 3,
    });
    const plan = await planRouting(dir, {
      facts: {},
      routing: routing([
        { name: 'APAC', assignTo: { type: 'territory', territory: 'APAC', strategy: 'least-loaded' } },
      ]),
      at: AT,
    });

    expect(plan.assignee?.id).toBe(id(2));
    expect(plan.explanation).toContain(
      'least-loaded in territory APAC (Rep 1 4 open, Rep 2 1 open, Rep 3 3 open) → Rep 2',
    );
  });

  it('falls back to the fallback queue when no rule matches, and leaves the lead unassigned there when it is empty too', async () => {
    const withRep = directory([{}, {}, {}, {}, {}, {}, {}, {}, { name: 'Inbound rep' }]);
    const noRule = await planRouting(withRep, {
      facts: { country: 'US' },
      routing: routing([{ name: 'DE', when: { fact: 'country', op: 'eq', value: 'DE' }, assignTo: toQueue }]),
      at: AT,
    });
    const empty = directory([]);
    const nobody = await planRouting(empty, { facts: {}, routing: routing([]), at: AT });

    expect(noRule).toMatchObject({
      rule: null,
      fallbackUsed: true,
      queueId: FALLBACK,
      assignee: { id: id(9) },
    });
    expect(noRule.explanation).toBe('no rule matched; fallback: round-robin in queue Inbound → Inbound rep');
    expect(nobody.assignee).toBeUndefined();
    expect(nobody.queueId).toBe(FALLBACK);
    expect(nobody.explanation).toBe(
      'no rule matched; fallback: queue Inbound has nobody available; skipped usr_01JD0000000000000000000009 (no longer exists); left unassigned in the fallback queue',
    );
  });

  it('marks a lead hot by the rule or by its score, and keeps the rule’s follow-up only for the rule’s own reps', async () => {
    const dir = directory([{}]);
    const followUp = { afterHours: 4, action: 'reassign', maxAttempts: 2 };
    const hotRule = await planRouting(dir, {
      facts: {},
      routing: routing([{ name: 'Hot', assignTo: { type: 'user', userId: id(1) }, hot: true, followUp }]),
      at: AT,
    });
    const hotScore = await planRouting(dir, {
      facts: { employees: 900 },
      routing: routing([{ name: 'Any', assignTo: { type: 'user', userId: id(1) } }], {
        scoring: [{ name: 'Big', when: { fact: 'employees', op: 'gte', value: 500 }, points: 50 }],
        hotScore: 50,
      }),
      at: AT,
    });
    const away = directory([{ active: false }, {}, {}, {}, {}, {}, {}, {}, {}]);
    const fellBack = await planRouting(away, {
      facts: {},
      routing: routing([{ name: 'Hot', assignTo: { type: 'user', userId: id(1) }, followUp }]),
      at: AT,
    });

    expect(hotRule).toMatchObject({ hot: true, followUp: { afterHours: 4 } });
    expect(hotScore.hot).toBe(true);
    expect(fellBack.fallbackUsed).toBe(true);
    expect(fellBack.followUp).toBeUndefined();
  });
});

describe('owner messages', () => {
  const input = {
    kind: 'routed' as const,
    ownerName: 'Ana <script>',
    lead: {
      id: 'led_1',
      name: 'Erika <b>M</b>',
      company: 'Acme',
      score: 80,
      hot: true,
      email: 'e@acme.example',
    },
    why: "rule 'A' matched",
    followUpHours: 0.5,
  };

  it('escapes every value in the HTML part and states the deadline', () => {
    const email = ownerEmail(input);

    expect(email.subject).toBe('Hot: New lead for you: Erika <b>M</b> (Acme)');
    expect(email.html).toContain('Erika &lt;b&gt;M&lt;/b&gt;');
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain('Please log a contact within 30 minutes; otherwise the lead moves on.');
  });

  it('texts a short line with how to reach the lead', () => {
    expect(ownerSms(input)).toBe(
      'Hot lead: Erika <b>M</b> (Acme), score 80. e@acme.example Contact within 30 minutes. Lead led_1',
    );
  });
});
