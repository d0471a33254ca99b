/**
 * Lead intake on the local hub: normalising, scoring, routing by admin rules (round-robin fair
 * under concurrency, least-loaded, capacity, out of office, territory, fallback), dedupe (also
 * when submissions race), the dry run agreeing with the real run, and rule edits reaching new
 * leads only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { emailsTo, eventually, LeadOrg, newLead } from '../support/lead-routing.ts';

let hub: TestHub;
let org: LeadOrg;
let routingId: string;

const FAR_FUTURE = '2099-01-01T00:00:00Z';
const PAST = '2020-01-01T00:00:00Z';

const rules = () => [
  {
    name: 'EMEA enterprise',
    when: {
      all: [
        { fact: 'country', op: 'in', value: ['DE', 'AT', 'CH'] },
        { fact: 'employees', op: 'gte', value: 500 },
      ],
    },
    assignTo: { type: 'queue', queueId: org.queues.EMEA },
  },
  {
    name: 'Fairness',
    when: { fact: 'source', op: 'eq', value: 'fairness' },
    assignTo: { type: 'queue', queueId: org.queues.Fair },
  },
  {
    name: 'Least loaded',
    when: { fact: 'source', op: 'eq', value: 'least-loaded' },
    assignTo: { type: 'queue', queueId: org.queues.Loaded },
  },
  {
    name: 'Capacity',
    when: { fact: 'source', op: 'eq', value: 'capacity' },
    assignTo: { type: 'queue', queueId: org.queues.Capped },
  },
  {
    name: 'APAC',
    when: { fact: 'source', op: 'eq', value: 'apac' },
    assignTo: { type: 'territory', territory: 'APAC' },
  },
  {
    name: 'Away',
    when: { fact: 'source', op: 'eq', value: 'away' },
    assignTo: { type: 'user', userId: org.users.away },
  },
  {
    name: 'Edited',
    when: { fact: 'source', op: 'eq', value: 'edited' },
    assignTo: { type: 'user', userId: org.users.ed },
  },
];

const routingContent = () => ({
  name: 'Inbound leads',
  scoring: [
    { name: 'Enterprise size', when: { fact: 'employees', op: 'gte', value: 500 }, points: 30 },
    { name: 'DACH', when: { fact: 'country', op: 'in', value: ['DE', 'AT', 'CH'] }, points: 20 },
    {
      name: 'Free mail',
      when: { fact: 'emailDomain', op: 'in', value: ['gmail.com', 'gmx.de'] },
      points: -10,
    },
  ],
  rules: rules(),
  fallbackQueueId: org.queues.Inbound,
});

beforeAll(async () => {
  hub = await startTestHub();
  org = new LeadOrg(hub.api);
  await org.user('boss', { role: 'manager' });
  for (const rep of ['ana', 'ben']) await org.user(rep, { managerId: org.users.boss });
  for (const rep of ['f1', 'f2', 'f3', 'f4']) await org.user(rep);
  for (const rep of ['l1', 'l2', 'l3']) await org.user(rep);
  await org.user('c1', { capacity: 1 });
  await org.user('c2', { capacity: 1 });
  await org.user('t1', { territory: 'APAC' });
  await org.user('t2', { territory: 'APAC', outOfOffice: { from: PAST, until: FAR_FUTURE } });
  await org.user('t3', { territory: 'APAC', active: false });
  await org.user('away', { outOfOffice: { from: PAST, until: FAR_FUTURE } });
  await org.user('ed');
  await org.user('ed2');
  await org.user('inbound');
  await org.queue('EMEA', ['ana', 'ben']);
  await org.queue('Fair', ['f1', 'f2', 'f3', 'f4']);
  await org.queue('Loaded', ['l1', 'l2', 'l3'], 'least-loaded');
  await org.queue('Capped', ['c1', 'c2']);
  await org.queue('Inbound', ['inbound']);
  routingId = await org.routing(routingContent());
});
afterAll(() => hub?.stop());

const post = (body: Record<string, unknown>) => hub.api.post('/v1/leads', body, { as: 'integration' });

describe('lead intake and routing', () => {
  it('normalises the lead, scores it, routes it by the first matching rule and says why', async () => {
    const response = await post(
      newLead({
        email: '  Erika.M@ACME-Example.com ',
        country: 'de',
        employees: 1200,
        company: ' Acme GmbH ',
        phone: '+49 151 1234-5678',
      }),
    );

    expect(response.status).toBe(201);
    expect(response.headers.get('lead-outcome')).toBe('created');
    const lead = response.body;
    expect(lead).toMatchObject({
      email: 'erika.m@acme-example.com',
      phone: '+4915112345678',
      country: 'DE',
      company: 'Acme GmbH',
      score: 50,
      queueId: org.queues.EMEA,
      routing: {
        rule: 'EMEA enterprise',
        ruleIndex: 0,
        document: { id: routingId, version: 1 },
        by: 'routing',
      },
    });
    expect(lead.scoreBreakdown).toEqual([
      { rule: 'Enterprise size', points: 30, why: ['employees 1200 ≥ 500'] },
      { rule: 'DACH', points: 20, why: ['country DE ∈ [DE, AT, CH]'] },
    ]);
    expect([org.users.ana, org.users.ben]).toContain(lead.ownerId);
    expect(lead.routing.explanation).toBe(
      `rule 'EMEA enterprise' matched: country DE ∈ [DE, AT, CH], employees 1200 ≥ 500; round-robin in queue EMEA → ${org.name(lead.ownerId)}`,
    );
    const history = await hub.api.get(`/v1/leads/${lead.id}/history`);
    expect(history.body.items.at(-1)).toMatchObject({ action: 'create', channel: 'api' });
    expect(history.body.items.at(-1).summary).toContain("rule 'EMEA enterprise' matched");
  });

  it('takes turns in a queue: consecutive leads go to its members in order', async () => {
    const owners: string[] = [];
    for (let i = 0; i < 4; i++)
      owners.push((await post(newLead({ country: 'AT', employees: 800 }))).body.ownerId);

    expect(owners[0]).not.toBe(owners[1]);
    expect(owners[2]).toBe(owners[0]);
    expect(owners[3]).toBe(owners[1]);
  });

  it('is fair under concurrency: 200 leads at once into a queue of 4 give each rep exactly 50', async () => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => post(newLead({ source: 'fairness' }))),
    );

    expect(responses.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    const counts = new Map<string, number>();
    for (const r of responses) counts.set(r.body.ownerId, (counts.get(r.body.ownerId) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      [org.users.f1 as string]: 50,
      [org.users.f2 as string]: 50,
      [org.users.f3 as string]: 50,
      [org.users.f4 as string]: 50,
    });
    const stored = await hub.api.all('leads', `queue=${org.queues.Fair}`);
    expect(stored).toHaveLength(200);
    expect(stored.filter((l) => !l.ownerId)).toEqual([]);
  }, 120_000);

  it('gives a least-loaded queue’s lead to the rep with the fewest open leads, and says the loads', async () => {
    // l1 already holds two open leads, l2 one, l3 none.
    await post(newLead({ ownerId: org.users.l1 }));
    await post(newLead({ ownerId: org.users.l1 }));
    await post(newLead({ ownerId: org.users.l2 }));

    const first = (await post(newLead({ source: 'least-loaded' }))).body;
    const second = (await post(newLead({ source: 'least-loaded' }))).body;

    expect(first.ownerId).toBe(org.users.l3);
    expect(first.routing.explanation).toContain(
      'least-loaded in queue Loaded (L1 2 open, L2 1 open, L3 0 open) → L3',
    );
    // Now l2 and l3 hold one each: a tie, broken by the queue's turn.
    expect([org.users.l2, org.users.l3]).toContain(second.ownerId);
  });

  it('skips reps at capacity, and sends the lead to the fallback queue when the whole queue is full', async () => {
    const first = (await post(newLead({ source: 'capacity' }))).body;
    const second = (await post(newLead({ source: 'capacity' }))).body;
    const third = (await post(newLead({ source: 'capacity' }))).body;

    expect(new Set([first.ownerId, second.ownerId])).toEqual(new Set([org.users.c1, org.users.c2]));
    expect(second.routing.explanation).toMatch(/skipped C[12] \(at capacity \(1\/1 open leads\)\)/);
    expect(third).toMatchObject({ ownerId: org.users.inbound, queueId: org.queues.Inbound });
    expect(third.routing).toMatchObject({ rule: null, by: 'routing' });
    expect(third.routing.explanation).toContain('queue Capped has nobody available');
    expect(third.routing.explanation).toContain('fallback: round-robin in queue Inbound → Inbound');
  });

  it('routes a territory to its active sales reps, skipping the absent and the inactive', async () => {
    const lead = (await post(newLead({ source: 'apac' }))).body;

    expect(lead.ownerId).toBe(org.users.t1);
    expect(lead.routing.explanation).toContain('territory APAC');
    expect(lead.routing.explanation).toContain('skipped T2 (out of office until 2099-01-01 00:00)');
    expect(lead.routing.explanation).not.toContain('T3');
  });

  it('uses the fallback queue when no rule matches or the named user is out of office', async () => {
    const unmatched = (await post(newLead({ country: 'US' }))).body;
    const away = (await post(newLead({ source: 'away' }))).body;

    expect(unmatched).toMatchObject({ ownerId: org.users.inbound, queueId: org.queues.Inbound });
    expect(unmatched.routing.explanation).toBe(
      'no rule matched; fallback: round-robin in queue Inbound → Inbound',
    );
    expect(away.ownerId).toBe(org.users.inbound);
    expect(away.routing.explanation).toContain(
      'Away is not available (out of office until 2099-01-01 00:00)',
    );
  });

  it('keeps an owner the caller sets, and routes within a queue the caller names', async () => {
    const owned = (await post(newLead({ ownerId: org.users.ben, country: 'DE', employees: 900 }))).body;
    const queued = (await post(newLead({ queueId: org.queues.Fair }))).body;

    expect(owned).toMatchObject({ ownerId: org.users.ben, routing: { by: 'caller' }, score: 50 });
    expect(queued.queueId).toBe(org.queues.Fair);
    expect([org.users.f1, org.users.f2, org.users.f3, org.users.f4]).toContain(queued.ownerId);
  });

  it('tells the owner by email what the lead is and why they got it', async () => {
    const lead = (await post(newLead({ lastName: 'Mailtest', company: 'Globex', source: 'apac' }))).body;

    const mails = await eventually(async () => {
      const found = (await emailsTo(hub.urls.ses, 't1@sales.example.com')).filter((m) =>
        m.subject.includes('Mailtest'),
      );
      return found.length ? found : undefined;
    });
    expect(mails[0]?.subject).toBe(`New lead for you: Erika Mailtest (Globex)`);
    expect(mails[0]?.body.text).toContain(`Why you: ${lead.routing.explanation}`);
    const history = await eventually(async () => {
      const items = (await hub.api.get(`/v1/leads/${lead.id}/history`)).body.items;
      return items.some((e: { action: string }) => e.action === 'owner-notified') ? items : undefined;
    });
    expect(history[0]).toMatchObject({
      action: 'owner-notified',
      channel: 'workflow',
      summary: 'Emailed T1 about the lead',
    });
  });
});

describe('dedupe', () => {
  it('merges a lead with the email of an open lead into it, and the history says what came from where', async () => {
    const first = (await post(newLead({ email: 'dup.one@prospect.example.com', source: 'apac' }))).body;
    const again = await post({
      lastName: 'Someone Else',
      email: 'DUP.ONE@prospect.example.com',
      phone: '+44 20 7946 0958',
      title: 'CTO',
    });

    expect(again.status).toBe(200);
    expect(again.headers.get('lead-outcome')).toBe('merged');
    expect(again.headers.get('location')).toBe(`/v1/leads/${first.id}`);
    expect(again.body).toMatchObject({
      id: first.id,
      ownerId: first.ownerId,
      phone: '+442079460958',
      title: 'CTO',
      lastName: first.lastName,
    });
    const merge = (await hub.api.get(`/v1/leads/${first.id}/history`)).body.items.find(
      (e: { action: string }) => e.action === 'merge',
    );
    expect(merge.summary).toBe(
      `Merged a duplicate submission (same email): filled phone, title; kept lastName “${first.lastName}” (submitted “Someone Else”)`,
    );
    expect(merge.context.mergedFrom).toMatchObject({
      channel: 'api',
      matchedOn: 'email',
      submitted: { title: 'CTO' },
    });
  });

  it('matches on the phone too', async () => {
    const first = (await post(newLead({ phone: '+4915199990001', source: 'apac' }))).body;
    const again = await post(newLead({ phone: '+49 151 99990001' }));

    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.id);
  });

  it('makes one lead of submissions from the same person arriving at the same moment', async () => {
    const email = 'race@prospect.example.com';
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post({ lastName: `Racer ${i}`, email, title: `T${i}` })),
    );

    expect(responses.map((r) => r.status).sort()).toEqual([...Array(11).fill(200), 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const leads = (await hub.api.all('leads')).filter((l) => l.email === email);
    expect(leads).toHaveLength(1);
    const merges = (await hub.api.get(`/v1/leads/${leads[0].id}/history?limit=100`)).body.items.filter(
      (e: { action: string }) => e.action === 'merge',
    );
    expect(merges).toHaveLength(11);
  });

  it('creates a new lead when the earlier lead with that email is closed, and takes its match over', async () => {
    const first = (await post(newLead({ email: 'closed@prospect.example.com', source: 'apac' }))).body;
    await hub.api.patch(`/v1/leads/${first.id}`, { status: 'disqualified' });

    const second = await post(newLead({ email: 'closed@prospect.example.com' }));
    const third = await post(newLead({ email: 'closed@prospect.example.com' }));

    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.id);
    expect(third.status).toBe(200);
    expect(third.body.id).toBe(second.body.id);
  });

  it('merges into a lead edited to a new email, and into one a merge gave a phone', async () => {
    const edited = (await post(newLead({ source: 'apac' }))).body;
    await hub.api.patch(`/v1/leads/${edited.id}`, { email: 'new.address@prospect.example.com' });
    const byNewEmail = await post(newLead({ email: 'New.Address@prospect.example.com' }));

    const merged = (await post(newLead({ source: 'apac' }))).body;
    await post({ lastName: 'X', email: merged.email, phone: '+4915177770001' });
    const byAddedPhone = await post(newLead({ phone: '+49 151 77770001' }));

    expect(byNewEmail.status).toBe(200);
    expect(byNewEmail.body.id).toBe(edited.id);
    expect(byAddedPhone.status).toBe(200);
    expect(byAddedPhone.body.id).toBe(merged.id);
  });

  it('gives a lead matching a contact to the contact’s owner, and notes the contact', async () => {
    const contact = (
      await hub.api.post('/v1/contacts', {
        lastName: 'Known',
        email: 'known@customer.example.com',
        ownerId: org.users.ed2,
      })
    ).body;
    const lead = (await post(newLead({ email: 'Known@Customer.example.com' }))).body;

    expect(lead).toMatchObject({
      ownerId: org.users.ed2,
      matchedContactId: contact.id,
      routing: { by: 'contact' },
    });
    expect(lead.routing.explanation).toBe(
      `matched contact Known (${contact.id}) by email: given to the contact's owner Ed2`,
    );
  });

  it('keeps score and routing when the lead is edited through the records API', async () => {
    const lead = (await post(newLead({ country: 'CH', employees: 600 }))).body;
    const edited = await hub.api.patch(`/v1/leads/${lead.id}`, { title: 'Head of IT' });

    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: 'Head of IT', score: lead.score, routing: lead.routing });
  });
});

describe('the routing dry run', () => {
  const simulate = (body: Record<string, unknown>) =>
    hub.api.post('/v1/admin/lead-routing/simulate', body, { as: 'manager' });

  it('names the rule, the candidates and who would get it — and the next real lead goes there', async () => {
    const fields = newLead({ country: 'DE', employees: 700 });
    const dry = await simulate({ lead: fields });
    const again = await simulate({ lead: fields });
    const real = (await post(fields)).body;

    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      routing: { id: routingId, version: 1, name: 'Inbound leads' },
      duplicate: null,
      score: 50,
      rule: { index: 0, name: 'EMEA enterprise', why: ['country DE ∈ [DE, AT, CH]', 'employees 700 ≥ 500'] },
      fallbackUsed: false,
    });
    expect(dry.body.tried[0].candidates.map((c: { name: string }) => c.name)).toEqual(['Ana', 'Ben']);
    expect(again.body.assignee).toEqual(dry.body.assignee);
    expect(real.ownerId).toBe(dry.body.assignee.id);
    expect(real.routing.explanation).toBe(dry.body.explanation);
  });

  it('says a lead would be merged into the open lead it duplicates', async () => {
    const open = (await post(newLead({ source: 'apac' }))).body;
    const dry = await simulate({ lead: { lastName: 'X', email: open.email.toUpperCase() } });

    expect(dry.body.duplicate).toEqual({
      action: 'merge',
      leadId: open.id,
      matchedOn: 'email',
      ownerId: open.ownerId,
    });
  });

  it('tries a draft version without activating it, and refuses bad requests with field errors', async () => {
    const draft = await hub.api.post(`/v1/admin/lead-routing/${routingId}/versions`, {
      content: { ...routingContent(), rules: [] },
    });
    const dry = await simulate({
      lead: newLead({ country: 'DE', employees: 700 }),
      routing: { id: routingId, version: draft.body.latestVersion },
    });
    const bad = await simulate({ lead: { lastName: 'X', email: 'not-an-email' } });
    const both = await simulate({ leadId: 'led_01JD0000000000000000000000', lead: { lastName: 'X' } });
    const salesOnly = await hub.api.post(
      '/v1/admin/lead-routing/simulate',
      { lead: newLead() },
      { as: 'support' },
    );

    expect(dry.body.rule).toBeNull();
    expect(dry.body.explanation).toContain('no rule matched');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/lead/email' })]);
    expect(both.status).toBe(422);
    expect(salesOnly.status).toBe(403);
  });
});

describe('rule edits', () => {
  it('route new leads by the new version, while leads already routed keep the version they were routed under', async () => {
    const before = (await post(newLead({ source: 'edited' }))).body;
    const edited = rules().map((rule) =>
      rule.name === 'Edited' ? { ...rule, assignTo: { type: 'user', userId: org.users.ed2 } } : rule,
    );
    const version = await hub.api.post(`/v1/admin/lead-routing/${routingId}/versions`, {
      content: { ...routingContent(), rules: edited },
      activate: true,
    });
    const after = (await post(newLead({ source: 'edited' }))).body;

    expect(version.status).toBe(201);
    expect(before).toMatchObject({ ownerId: org.users.ed, routing: { document: { version: 1 } } });
    expect(after).toMatchObject({
      ownerId: org.users.ed2,
      routing: { document: { version: version.body.activeVersion } },
    });
    expect((await hub.api.get(`/v1/leads/${before.id}`)).body.ownerId).toBe(org.users.ed);
  });
});

describe('bad input', () => {
  it('refuses invalid leads with field errors and creates nothing', async () => {
    const before = (await hub.api.all('leads')).length;
    const responses = await Promise.all([
      post({ lastName: 'X' }),
      post({ lastName: 'X', email: 'x@example.com', country: 'Germany' }),
      post({ lastName: 'X', email: 'x@example.com', score: 100 }),
      post({ lastName: 'X', email: 'x@example.com', ownerId: 'usr_01JD0000000000000000000000' }),
    ]);

    expect(responses.map((r) => r.status)).toEqual([422, 422, 422, 422]);
    expect(responses[2]?.body.errors).toEqual([
      expect.objectContaining({ pointer: '/score', code: 'unknown_field' }),
    ]);
    expect((await hub.api.all('leads')).length).toBe(before);
  });
});
