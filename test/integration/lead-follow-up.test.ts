/**
 * The lead-routing flow on the hub's Step Functions service, with workflow time 3600× faster (a
 * follow-up window of one hour passes in a second): owners are told, untouched leads move on —
 * reassigned or escalated, up to the rule's limit, each step in the lead's history — and a
 * contact logged in time stops it. Leads keep the routing version they started under.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { emailsTo, eventually, LeadOrg, newLead, textsTo } from '../support/lead-routing.ts';

let hub: TestHub;
let org: LeadOrg;
let routingId: string;

const content = (followUp: Record<string, unknown>) => ({
  name: 'Follow-up routing',
  scoring: [{ name: 'Big', when: { fact: 'employees', op: 'gte', value: 1000 }, points: 80 }],
  hotScore: 80,
  rules: [
    {
      name: 'Reassign',
      when: { fact: 'source', op: 'eq', value: 'reassign' },
      assignTo: { type: 'queue', queueId: org.queues.Team },
      followUp,
    },
    {
      name: 'Escalate',
      when: { fact: 'source', op: 'eq', value: 'escalate' },
      assignTo: { type: 'user', userId: org.users.rita },
      followUp: { afterHours: 1, action: 'escalate', maxAttempts: 1 },
    },
    {
      name: 'Hot',
      when: { fact: 'source', op: 'eq', value: 'hot' },
      assignTo: { type: 'user', userId: org.users.hugo },
      hot: true,
    },
  ],
  fallbackQueueId: org.queues.Team,
});

beforeAll(async () => {
  hub = await startTestHub({ timeScale: 3600 });
  org = new LeadOrg(hub.api);
  await org.user('mona', { role: 'manager' });
  for (const rep of ['r1', 'r2', 'r3']) await org.user(rep, { managerId: org.users.mona });
  await org.user('rita', { managerId: org.users.mona });
  await org.user('hugo', { phone: '+4915112300099' });
  await org.queue('Team', ['r1', 'r2', 'r3']);
  routingId = await org.routing(content({ afterHours: 1, action: 'reassign', maxAttempts: 2 }));
});
afterAll(() => hub?.stop());

const post = (body: Record<string, unknown>) => hub.api.post('/v1/leads', body, { as: 'integration' });
const history = async (id: string) =>
  (await hub.api.get(`/v1/leads/${id}/history?limit=100`)).body.items.reverse() as {
    action: string;
    summary?: string;
    actor: { id: string };
  }[];
const actions = async (id: string) => (await history(id)).map((e) => e.action);

describe('lead follow-up', () => {
  it('moves an untouched lead to the next rep of its queue after each window, up to the limit', async () => {
    const lead = (await post(newLead({ source: 'reassign' }))).body;
    const first = lead.ownerId as string;

    const entries = await eventually(
      async () => {
        const items = await history(lead.id);
        return items.some((e) => e.action === 'follow-up-limit-reached') ? items : undefined;
      },
      30_000,
      'the follow-up limit',
    );
    const final = (await hub.api.get(`/v1/leads/${lead.id}`)).body;

    expect(entries.map((e) => e.action)).toEqual([
      'create',
      'owner-notified',
      'reassigned',
      'owner-notified',
      'reassigned',
      'owner-notified',
      'follow-up-limit-reached',
    ]);
    const moves = entries.filter((e) => e.action === 'reassigned');
    expect(moves[0]?.summary).toMatch(
      new RegExp(
        `^No contact logged by ${org.name(first)} within 1 h: reassigned: round-robin in queue Team → R\\d; skipped ${org.name(first)} \\(already had this lead\\) \\(attempt 1 of 2\\)$`,
      ),
    );
    expect(moves[1]?.summary).toContain('(attempt 2 of 2)');
    const owners = [first, ...moves.map((m) => m.summary?.match(/→ (R\d)/)?.[1])];
    expect(new Set(owners.map((o) => (o?.startsWith('usr_') ? org.name(o) : o))).size).toBe(3);
    expect(final.routing).toMatchObject({
      attempt: 2,
      by: 'follow-up',
      document: { id: routingId, version: 1 },
    });
    expect(entries.at(-1)?.summary).toContain('the follow-up limit of 2 is reached');
    const reassignedMail = await emailsTo(
      hub.urls.ses,
      `${org.name(final.ownerId).toLowerCase()}@sales.example.com`,
    );
    expect(reassignedMail.map((m) => m.subject)).toContain(`Lead reassigned to you: Erika ${lead.lastName}`);
  }, 60_000);

  it('ties the follow-up flow to its lead, so the executions API lists it', async () => {
    const lead = (await post(newLead({ source: 'hot' }))).body;

    const listed = await eventually(async () => {
      const page = await hub.api.get(`/v1/executions?record=lead:${lead.id}`, { as: 'manager' });
      return page.body.items?.find((e: { status: string }) => e.status === 'SUCCEEDED');
    });

    expect(listed).toMatchObject({ workflow: 'lead-routing', record: { type: 'lead', id: lead.id } });
  });

  it('stops when the owner logs a contact in time', async () => {
    const lead = (await post(newLead({ source: 'reassign' }))).body;
    const contact = await hub.api.post(
      `/v1/leads/${lead.id}/contacts`,
      { kind: 'call', summary: 'Left a voicemail' },
      { as: 'sales' },
    );
    // Three windows pass: nothing may move it.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const after = (await hub.api.get(`/v1/leads/${lead.id}`)).body;

    expect(contact.status).toBe(200);
    expect(contact.body).toMatchObject({ status: 'working' });
    expect(after.ownerId).toBe(lead.ownerId);
    expect((await actions(lead.id)).sort()).toEqual(['contact-logged', 'create', 'owner-notified']);
  });

  it('escalates to the owner’s manager when the rule says so', async () => {
    const lead = (await post(newLead({ source: 'escalate' }))).body;

    const escalated = await eventually(async () => {
      const items = await history(lead.id);
      return items.find((e) => e.action === 'escalated');
    });
    const after = (await hub.api.get(`/v1/leads/${lead.id}`)).body;

    expect(lead.ownerId).toBe(org.users.rita);
    expect(after).toMatchObject({ ownerId: org.users.mona, routing: { by: 'escalation', attempt: 1 } });
    expect(escalated.summary).toBe(
      "No contact logged by Rita within 1 h: escalated to Rita's manager Mona (attempt 1 of 1)",
    );
    await eventually(async () => {
      const mails = await emailsTo(hub.urls.ses, 'mona@sales.example.com');
      return mails.find((m) => m.subject === `Lead escalated to you: Erika ${lead.lastName}`);
    });
  });

  it('texts the owner of a hot lead as well as emailing them', async () => {
    const lead = (await post(newLead({ source: 'hot', employees: 5000, company: 'Initech' }))).body;

    const texts = await eventually(async () => {
      const found = (await textsTo(hub.urls.sns, '+4915112300099')).filter((t) =>
        t.message.includes(lead.id),
      );
      return found.length ? found : undefined;
    });

    expect(lead.hot).toBe(true);
    expect(texts[0]?.message).toBe(
      `Hot lead: Erika ${lead.lastName} (Initech), score 80. ${lead.email} Lead ${lead.id}`,
    );
    const notified = await eventually(async () =>
      (await history(lead.id)).find((e) => e.action === 'owner-notified'),
    );
    expect(notified.summary).toBe('Emailed and texted Hugo about the lead');
  });

  it('keeps following a lead by the version it was routed under after the rules change', async () => {
    const lead = (await post(newLead({ source: 'reassign' }))).body;
    // The new version drops the follow-up: new leads are not moved on, this one still is.
    const edited = JSON.parse(JSON.stringify(content({ afterHours: 1, action: 'reassign', maxAttempts: 2 })));
    delete edited.rules[0].followUp;
    const v2 = await hub.api.post(`/v1/admin/lead-routing/${routingId}/versions`, {
      content: edited,
      activate: true,
    });
    const later = (await post(newLead({ source: 'reassign' }))).body;

    await eventually(async () => ((await actions(lead.id)).includes('reassigned') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    expect(v2.status).toBe(201);
    expect(lead.routing.document.version).toBe(1);
    expect(later.routing.document.version).toBe(v2.body.activeVersion);
    expect(later.routing.followUpHours).toBeUndefined();
    expect(await actions(later.id)).toEqual(['create', 'owner-notified']);
  });
});
