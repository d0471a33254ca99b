/**
 * Ticket SLAs end to end on the local hub: tickets start their clocks, the ticket-sla workflow
 * (on the hub's Step Functions service, time running a day a second) escalates by email and SMS
 * through the SES and SMS stand-ins, pauses and resumes with the customer, follows priority
 * changes, closes quiet tickets and sends the satisfaction survey, whose link is scanner-safe.
 *
 * The calendar is round the clock in UTC so that deadlines here do not depend on the weekday the
 * suite runs on; the business-hours maths has its own tests (unit, and the dry run).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSurveyLink, newSurveyLinkId, SurveyStore } from '#store/survey-store';
import { startTestHub, type TestHub } from '../support/hub.ts';

/** A day of workflow time per second. */
const SCALE = 86_400;
const MINUTE = 60_000;

let hub: TestHub;
const ids: Record<string, string> = {};
const tag = Math.random().toString(36).slice(2, 8);
const email = (who: string) => `${who}.${tag}@example.com`;
const PHONES = { lead: '+4915112350001', boss: '+4915112350002' };

const allDay = [{ start: '00:00', end: '24:00' }];
const policy = {
  name: 'Round the clock',
  calendar: {
    timeZone: 'UTC',
    week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
  },
  targets: [
    { priority: 'P1', firstResponseMinutes: 480, resolutionMinutes: 1440 },
    { priority: 'P2', firstResponseMinutes: 1440, resolutionMinutes: 2880 },
    { priority: 'P3', firstResponseMinutes: 2880, resolutionMinutes: 5760 },
    { priority: 'P4', firstResponseMinutes: 5760, resolutionMinutes: 11520 },
  ],
  escalations: [
    { atPercent: 75, notify: 'agent', channels: ['email'] },
    { atPercent: 100, notify: 'team-lead', channels: ['email', 'sms'] },
    { atPercent: 150, notify: 'manager', channels: ['sms'] },
  ],
  autoClose: { resolvedAfterBusinessDays: 1, pendingCustomerAfterBusinessDays: 3, surveyValidDays: 7 },
};

interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
}

async function inbox(to: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(`${hub.urls.ses}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((e) => e.destination.to.includes(to));
}

async function outbox(phone: string): Promise<{ message: string }[]> {
  return (await (
    await fetch(`${hub.urls.sns}/messages?phoneNumber=${encodeURIComponent(phone)}`)
  ).json()) as {
    message: string;
  }[];
}

/** Polls until `probe` answers something truthy, or fails naming what it waited for. */
async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ticket = async (id: string) => (await hub.api.get(`/v1/tickets/${id}`, { as: 'support' })).body;
const createTicket = async (body: Record<string, unknown>) => {
  const response = await hub.api.post(
    '/v1/tickets',
    { subject: 'Printer on fire', ...body },
    { as: 'support' },
  );
  if (response.status !== 201) throw new Error(`ticket: ${response.status} ${response.text}`);
  return response.body;
};
const reply = (id: string, body: Record<string, unknown>) =>
  hub.api.post(`/v1/tickets/${id}/replies`, body, { as: 'integration' });
const minutesBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / MINUTE;

beforeAll(async () => {
  hub = await startTestHub({ timeScale: SCALE });
  const user = async (key: string, body: Record<string, unknown>) => {
    const response = await hub.api.post('/v1/users', { email: email(key), ...body });
    if (response.status !== 201) throw new Error(`user ${key}: ${response.status} ${response.text}`);
    ids[key] = response.body.id;
  };
  await user('boss', { name: 'Bea Boss', role: 'manager', phone: PHONES.boss });
  await user('lead', { name: 'Lee Lead', role: 'manager', managerId: ids.boss, phone: PHONES.lead });
  await user('agent', { name: 'Alex Agent', role: 'support', managerId: ids.lead });
  ids.queue = (await hub.api.post('/v1/queues', { name: `Support ${tag}`, managerId: ids.lead })).body.id;
  ids.contact = (
    await hub.api.post('/v1/contacts', { firstName: 'Cara', lastName: 'Customer', email: email('cara') })
  ).body.id;
  const created = await hub.api.post('/v1/admin/sla-policies', { content: policy, activate: true });
  if (created.status !== 201) throw new Error(`policy: ${created.status} ${created.text}`);
  ids.policy = created.body.id;
});
afterAll(() => hub?.stop());

describe('a new ticket', () => {
  it('gets the active policy and its deadlines at once, in the create response', async () => {
    const created = await createTicket({ priority: 'P3' });
    expect(created.sla).toMatchObject({
      policy: { id: ids.policy, version: 1, name: 'Round the clock' },
      priority: 'P3',
      tier: 'standard',
      generation: 1,
      firstResponse: { state: 'running', targetMinutes: 2880, usedMinutes: 0 },
      resolution: { state: 'running', targetMinutes: 5760 },
    });
    expect(minutesBetween(created.createdAt, created.sla.firstResponse.dueAt)).toBe(2880);
    expect(minutesBetween(created.createdAt, created.sla.resolution.dueAt)).toBe(5760);
  });

  it('cannot set its SLA or reply fields through the API', async () => {
    const refused = await hub.api.post(
      '/v1/tickets',
      { subject: 'Sneaky', sla: { generation: 99 }, firstRespondedAt: '2020-01-01T00:00:00Z' },
      { as: 'support' },
    );
    expect(refused.status).toBe(422);
    const created = await createTicket({ priority: 'P4' });
    const patched = await hub.api.patch(
      `/v1/tickets/${created.id}`,
      { sla: { generation: 99 } },
      { as: 'support' },
    );
    expect(patched.status).toBe(422);
    expect((await ticket(created.id)).sla).toEqual(created.sla);
  });
});

describe('escalations', () => {
  it('warn the agent at 75 %, alert the team lead at 100 % and the manager at 150 %, as the dry run said', async () => {
    const created = await createTicket({ priority: 'P1', ownerId: ids.agent, queueId: ids.queue });
    const dryRun = await hub.api.post(
      '/v1/admin/sla-policies/simulate',
      { ticketId: created.id },
      { as: 'support' },
    );
    expect(dryRun.status).toBe(200);

    const done = await eventually(async () => {
      const t = await ticket(created.id);
      return t.sla.escalations.length === 6 && t.sla.breaches.length === 2 && t;
    }, 'six escalations and two breaches');

    // The real run did exactly what the dry run listed, at the same times.
    const planned = dryRun.body.escalations.map((e: Record<string, unknown>) => [
      e.clock,
      e.atPercent,
      e.notify,
      e.at,
    ]);
    const happened = done.sla.escalations.map((e: Record<string, unknown>) => [
      e.clock,
      e.atPercent,
      e.notify,
      e.dueAt,
    ]);
    expect(new Set(happened.map(String))).toEqual(new Set(planned.map(String)));
    // At the right offsets: 75 / 100 / 150 % of 480 and 1440 minutes after creation.
    const offsets = done.sla.escalations
      .map(
        (e: { clock: string; dueAt: string }) => `${e.clock}+${minutesBetween(created.createdAt, e.dueAt)}`,
      )
      .sort();
    expect(offsets).toEqual(
      [
        'firstResponse+360',
        'firstResponse+480',
        'firstResponse+720',
        'resolution+1080',
        'resolution+1440',
        'resolution+2160',
      ].sort(),
    );
    expect(done.sla.breaches.map((b: { clock: string; dueAt: string }) => [b.clock, b.dueAt]).sort()).toEqual(
      [
        ['firstResponse', dryRun.body.firstResponse.dueAt],
        ['resolution', dryRun.body.resolution.dueAt],
      ].sort(),
    );
    expect(done.sla.firstResponse.breachedAt).toBe(done.sla.firstResponse.dueAt);

    // What people received, by channel.
    const agentMail = await inbox(email('agent'));
    expect(agentMail.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^\[SLA warning\] P1 ticket “Printer on fire”: first response due /),
      expect.stringMatching(/^\[SLA warning\] P1 ticket “Printer on fire”: resolution due /),
    ]);
    expect(agentMail[0]?.body.text).toContain(created.id);
    const leadMail = await inbox(email('lead'));
    expect(leadMail.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^\[SLA breached\] P1 .*first response overdue since/),
      expect.stringMatching(/^\[SLA breached\] P1 .*resolution overdue since/),
    ]);
    expect((await outbox(PHONES.lead)).map((s) => s.message)).toEqual([
      expect.stringMatching(/^Junction SLA breached: P1 ticket "Printer on fire" first response OVERDUE/),
      expect.stringMatching(/^Junction SLA breached: P1 ticket "Printer on fire" resolution OVERDUE/),
    ]);
    expect((await outbox(PHONES.boss)).map((s) => s.message)).toEqual([
      expect.stringMatching(/^Junction SLA escalation: .* first response OVERDUE/),
      expect.stringMatching(/^Junction SLA escalation: .* resolution OVERDUE/),
    ]);
    expect(await inbox(email('boss'))).toEqual([]);
    const deliveries = done.sla.escalations.flatMap((e: { deliveries: unknown[] }) => e.deliveries);
    expect(deliveries.every((d: { outcome: string }) => d.outcome === 'sent')).toBe(true);

    // The history says what happened, by the workflow.
    const history = await hub.api.get(`/v1/tickets/${created.id}/history`, { as: 'support' });
    const actions = history.body.items.map((e: { action: string }) => e.action);
    expect(actions).toContain('sla-breach');
    expect(
      history.body.items.filter((e: { actor: { id: string } }) => e.actor.id === 'ticket-sla').length,
    ).toBeGreaterThan(0);
  });

  it('record who could not be reached instead of failing: no owner and no queue', async () => {
    const created = await createTicket({ priority: 'P1' });
    const done = await eventually(async () => {
      const t = await ticket(created.id);
      return t.sla.escalations.length === 6 && t;
    }, 'six escalations');
    const reasons = done.sla.escalations.flatMap(
      (e: { deliveries: { outcome: string; reason?: string }[] }) =>
        e.deliveries.map((d) => [d.outcome, d.reason]),
    );
    expect(reasons.every(([outcome]: string[]) => outcome === 'skipped')).toBe(true);
    expect(reasons[0]?.[1]).toContain('nobody to notify');
  });
});

describe('pause and resume', () => {
  it('stops the clocks while the ticket waits on the customer and moves the deadlines by the pause', async () => {
    const created = await createTicket({ priority: 'P1', ownerId: ids.agent, queueId: ids.queue });
    const asked = await reply(created.id, {
      author: 'agent',
      message: 'Which model?',
      waitForCustomer: true,
    });
    expect(asked.status).toBe(200);
    expect(asked.body.status).toBe('pending_customer');
    // The agent's reply was the first response: that clock stopped, the resolution clock paused.
    expect(asked.body.sla.firstResponse).toMatchObject({ state: 'stopped' });
    expect(asked.body.sla.resolution.state).toBe('paused');
    expect(asked.body.sla.resolution.dueAt).toBeUndefined();
    const used = asked.body.sla.resolution.usedMinutes;

    // A day and a half of workflow time passes: the resolution warning (75 % of 1440 minutes)
    // would have been due after 18 hours; the quiet-customer close comes only after three days.
    await sleep(1_500);
    expect((await ticket(created.id)).sla.escalations).toEqual([]);

    const answered = await reply(created.id, { author: 'customer', message: 'The X200.' });
    expect(answered.body.status).toBe('open');
    const clock = answered.body.sla.resolution;
    expect(clock).toMatchObject({ state: 'running', usedMinutes: used });
    // What is left of the target counts from the customer's reply.
    expect(minutesBetween(clock.since, clock.dueAt)).toBeCloseTo(1440 - used, 6);
    expect(Date.parse(clock.dueAt)).toBeGreaterThan(Date.parse(created.sla.resolution.dueAt));

    const warned = await eventually(async () => {
      const t = await ticket(created.id);
      return t.sla.escalations.length > 0 && t;
    }, 'the resolution warning after the resume');
    expect(warned.sla.escalations[0]).toMatchObject({ clock: 'resolution', atPercent: 75, notify: 'agent' });
    expect(minutesBetween(clock.since, warned.sla.escalations[0].dueAt)).toBeCloseTo(1080 - used, 6);
  });
});

describe('a priority change', () => {
  it('recomputes the deadlines, and the new schedule is the one that escalates', async () => {
    const created = await createTicket({ priority: 'P4', ownerId: ids.agent, queueId: ids.queue });
    expect(minutesBetween(created.createdAt, created.sla.firstResponse.dueAt)).toBe(5760);
    const raised = await hub.api.patch(`/v1/tickets/${created.id}`, { priority: 'P1' }, { as: 'support' });
    expect(raised.status).toBe(200);
    expect(raised.body.sla).toMatchObject({ priority: 'P1', generation: 2 });
    expect(minutesBetween(created.createdAt, raised.body.sla.firstResponse.dueAt)).toBe(480);
    expect(minutesBetween(created.createdAt, raised.body.sla.resolution.dueAt)).toBe(1440);

    const warned = await eventually(async () => {
      const t = await ticket(created.id);
      return t.sla.escalations.some((e: { atPercent: number }) => e.atPercent === 75) && t;
    }, 'the P1 warning');
    const first = warned.sla.escalations.find((e: { clock: string }) => e.clock === 'firstResponse');
    expect(minutesBetween(created.createdAt, first.dueAt)).toBe(360);
  });
});

describe('auto-close and the satisfaction survey', () => {
  let ticketId: string;
  let linkId: string;

  it('closes a resolved ticket after one business day and emails the customer a survey', async () => {
    const created = await createTicket({
      priority: 'P3',
      ownerId: ids.agent,
      queueId: ids.queue,
      contactId: ids.contact,
      subject: `Invoice question ${tag}`,
    });
    ticketId = created.id;
    const resolved = await reply(ticketId, { author: 'agent', message: 'Fixed.', resolve: true });
    expect(resolved.body.status).toBe('resolved');
    expect(resolved.body.sla).toMatchObject({ autoCloseReason: 'resolved' });
    expect(minutesBetween(resolved.body.updatedAt, resolved.body.sla.autoCloseAt)).toBe(1440);

    const closed = await eventually(async () => {
      const t = await ticket(ticketId);
      return t.status === 'closed' && t.sla.survey?.state === 'sent' && t;
    }, 'the automatic close and the survey');
    expect(closed.sla.closedAutomaticallyAt).toBeDefined();
    // Answered and resolved before any deadline: nothing was escalated or breached.
    expect(closed.sla.escalations).toEqual([]);
    expect(closed.sla.breaches).toEqual([]);

    const mail = await eventually(async () => (await inbox(email('cara')))[0], 'the survey email');
    expect(mail.subject).toBe(`How did we do? Invoice question ${tag}`);
    const match = /\/surveys\/([A-Za-z0-9_-]{20,64})/.exec(mail.body.text ?? '');
    expect(match).not.toBeNull();
    linkId = match?.[1] as string;
  });

  it('shows the rating page on GET and HEAD, as often as asked, without recording anything', async () => {
    for (const method of ['GET', 'GET', 'HEAD']) {
      const page = await fetch(`${hub.urls.api}/surveys/${linkId}`, { method });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('cache-control')).toContain('no-store');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      if (method === 'GET') expect(await page.text()).toContain(`Invoice question ${tag}`);
    }
    expect((await ticket(ticketId)).satisfaction).toBeUndefined();
  });

  it('refuses a post without the page’s nonce, or with a rating outside 1–5, and records nothing', async () => {
    const form = (fields: Record<string, string>) =>
      fetch(`${hub.urls.api}/surveys/${linkId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    expect((await form({ nonce: 'guessed', rating: '5' })).status).toBe(403);
    const page = await (await fetch(`${hub.urls.api}/surveys/${linkId}`)).text();
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1] as string;
    for (const rating of ['0', '6', '4.5', 'five', ''])
      expect((await form({ nonce, rating })).status).toBe(400);
    expect((await form({ nonce, rating: '4', comment: 'x'.repeat(2001) })).status).toBe(400);
    expect((await form({ nonce, rating: '4', rating2: '5' })).status).toBe(400);
    const json = await hub.api.post(`/surveys/${linkId}`, { nonce, rating: 9 }, { as: null });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toContain('application/problem+json');
    expect((await ticket(ticketId)).satisfaction).toBeUndefined();
  });

  it('records the rating once: the form post is answered with the thank-you page, a second post with 409', async () => {
    const page = await (await fetch(`${hub.urls.api}/surveys/${linkId}`)).text();
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1] as string;
    const post = () =>
      fetch(`${hub.urls.api}/surveys/${linkId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ nonce, rating: '4', comment: 'Quick <b>and</b> kind' }).toString(),
        redirect: 'manual',
      });
    const [first, second] = await Promise.all([post(), post()]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([303, 409]);
    const answered = first.status === 303 ? first : second;
    expect(answered.headers.get('location')).toBe(`/surveys/${linkId}?done=1`);
    const thanks = await (await fetch(`${hub.urls.api}/surveys/${linkId}?done=1`)).text();
    expect(thanks).toContain('Thank you for your rating');

    const rated = await ticket(ticketId);
    expect(rated.satisfaction).toMatchObject({ rating: 4, comment: 'Quick <b>and</b> kind' });
    const later = await fetch(`${hub.urls.api}/surveys/${linkId}`);
    expect(later.status).toBe(409);
    expect(await later.text()).toContain('4 out of 5');
    const history = await hub.api.get(`/v1/tickets/${ticketId}/history`, { as: 'support' });
    expect(history.body.items.filter((e: { action: string }) => e.action === 'survey-answer')).toHaveLength(
      1,
    );
  });

  it('answers unknown, altered and expired links with a page that records nothing', async () => {
    expect((await fetch(`${hub.urls.api}/surveys/not-a-link`)).status).toBe(404);
    expect((await fetch(`${hub.urls.api}/surveys/${linkId.slice(0, -2)}xx`)).status).toBe(404);
    const store = new SurveyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: hub.urls.dynamodb })),
      hub.tables.records,
    );
    const expiredId = newSurveyLinkId();
    await store.create({
      hash: hashSurveyLink(expiredId),
      ticketId,
      subject: 'Old question',
      nonce: 'n0nce',
      createdAt: '2020-01-01T00:00:00.000Z',
      validUntil: '2020-01-15T00:00:00.000Z',
      status: 'open',
    });
    const page = await fetch(`${hub.urls.api}/surveys/${expiredId}`);
    expect(page.status).toBe(410);
    const post = await hub.api.post(`/surveys/${expiredId}`, { nonce: 'n0nce', rating: 1 }, { as: null });
    expect(post.status).toBe(410);
    expect((await store.get(hashSurveyLink(expiredId)))?.status).toBe('open');
    expect((await ticket(ticketId)).satisfaction.rating).toBe(4);
  });

  it('closes a ticket whose customer stays silent for three business days', async () => {
    const created = await createTicket({ priority: 'P3', ownerId: ids.agent, contactId: ids.contact });
    const asked = await reply(created.id, { author: 'agent', waitForCustomer: true });
    expect(asked.body.sla.autoCloseReason).toBe('customer-silent');
    expect(minutesBetween(asked.body.updatedAt, asked.body.sla.autoCloseAt)).toBe(4320);
    const closed = await eventually(async () => {
      const t = await ticket(created.id);
      return t.status === 'closed' && t;
    }, 'the silent ticket to close');
    expect(closed.sla.resolution.state).toBe('stopped');
    const history = await hub.api.get(`/v1/tickets/${created.id}/history`, { as: 'support' });
    expect(history.body.items.map((e: { summary?: string }) => e.summary)).toContain(
      'Closed automatically: the customer did not reply',
    );
  });
});

describe('hostile replies', () => {
  it.each([
    ['an unknown author', { author: 'bot' }],
    ['a customer resolving', { author: 'customer', resolve: true }],
    ['both waiting and resolving', { author: 'agent', waitForCustomer: true, resolve: true }],
    ['an unknown field', { author: 'agent', status: 'closed' }],
    ['control characters', { author: 'agent', message: 'hi\u0000there' }],
  ])('refuses %s with 422 and leaves the ticket as it was', async (_name, body) => {
    const created = await createTicket({ priority: 'P4' });
    const response = await reply(created.id, body);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await ticket(created.id)).toEqual(created);
  });

  it('refuses replies on a closed ticket (409) and on a ticket that does not exist (404)', async () => {
    const created = await createTicket({ priority: 'P4' });
    await hub.api.patch(`/v1/tickets/${created.id}`, { status: 'closed' }, { as: 'support' });
    expect((await reply(created.id, { author: 'customer', message: 'Still broken' })).status).toBe(409);
    expect((await reply('tkt_01JD0000000000000000000000', { author: 'agent' })).status).toBe(404);
  });

  it('records a reply retried with the same Idempotency-Key once, and replays the first answer', async () => {
    const created = await createTicket({ priority: 'P4' });
    const send = () =>
      hub.api.post(
        `/v1/tickets/${created.id}/replies`,
        { author: 'agent', message: 'On it' },
        { as: 'integration', headers: { 'idempotency-key': `reply-${created.id}` } },
      );
    const first = await send();
    const retry = await send();
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.version).toBe(first.body.version);
    const history = await hub.api.get(`/v1/tickets/${created.id}/history`, { as: 'support' });
    expect(history.body.items.filter((e: { action: string }) => e.action === 'reply')).toHaveLength(1);
    const other = await hub.api.post(
      `/v1/tickets/${created.id}/replies`,
      { author: 'customer' },
      { as: 'integration', headers: { 'idempotency-key': `reply-${created.id}` } },
    );
    expect(other.status).toBe(422);
  });

  it('is not open to sales', async () => {
    const created = await createTicket({ priority: 'P4' });
    const response = await hub.api.post(
      `/v1/tickets/${created.id}/replies`,
      { author: 'agent' },
      { as: 'sales' },
    );
    expect(response.status).toBe(403);
  });
});
