/**
 * SLA policies as an admin kind, and the SLA dry run, through the API on the local hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
let policyId: string;
let platinumAccount: string;
let queueId: string;

const nineToSix = [{ start: '09:00', end: '18:00' }];
const supportHours = (holidays: { date: string; name: string }[] = []) => ({
  name: 'Support hours',
  calendar: {
    timeZone: 'Europe/Berlin',
    week: { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix },
    holidays,
  },
  targets: [
    { priority: 'P1', firstResponseMinutes: 60, resolutionMinutes: 480 },
    { priority: 'P1', tiers: ['platinum'], firstResponseMinutes: 30, resolutionMinutes: 240 },
    { priority: 'P2', firstResponseMinutes: 240, resolutionMinutes: 2400 },
    { priority: 'P3', firstResponseMinutes: 480, resolutionMinutes: 4800 },
    { priority: 'P4', firstResponseMinutes: 960, resolutionMinutes: 9600 },
  ],
  escalations: [
    { atPercent: 75, notify: 'agent', channels: ['email'] },
    { atPercent: 100, notify: 'team-lead', channels: ['email', 'sms'] },
    { atPercent: 150, notify: 'manager', channels: ['sms'] },
  ],
  autoClose: { resolvedAfterBusinessDays: 3, pendingCustomerAfterBusinessDays: 5 },
});

/** Friday 27 November 2026, 17:55 in Berlin. */
const FRIDAY_1755 = '2026-11-27T17:55:00+01:00';

const simulate = (body: unknown, as: 'support' | 'sales' = 'support') =>
  hub.api.post('/v1/admin/sla-policies/simulate', body, { as });

beforeAll(async () => {
  hub = await startTestHub();
  platinumAccount = (await hub.api.post('/v1/accounts', { name: 'Initech', tier: 'platinum' })).body.id;
  queueId = (await hub.api.post('/v1/queues', { name: 'Support' })).body.id;
  const created = await hub.api.post('/v1/admin/sla-policies', {
    content: supportHours([{ date: '2026-12-01', name: 'Company day' }]),
    activate: true,
  });
  expect(created.status).toBe(201);
  policyId = created.body.id;
});
afterAll(() => hub?.stop());

describe('SLA policy documents', () => {
  it('are created, versioned and read back with the active content', async () => {
    const read = await hub.api.get(`/v1/admin/sla-policies/${policyId}`, { as: 'support' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ kind: 'sla-policy', activeVersion: 1, name: 'Support hours' });
    expect(read.body.active.content.calendar.week.sat).toEqual([]);
    expect(read.body.active.content.escalations[0].clocks).toEqual(['firstResponse', 'resolution']);
  });

  it('may be read by support but changed only by admins', async () => {
    const refused = await hub.api.post(
      '/v1/admin/sla-policies',
      { content: supportHours() },
      { as: 'support' },
    );
    expect(refused.status).toBe(403);
  });

  it.each([
    [
      'an unknown time zone',
      { calendar: { ...supportHours().calendar, timeZone: 'Mars/Olympus' } },
      '/content/calendar/timeZone',
    ],
    [
      'an interval ending before it starts',
      { calendar: { ...supportHours().calendar, week: { mon: [{ start: '18:00', end: '09:00' }] } } },
      '/content/calendar/week/mon/0/end',
    ],
    [
      'overlapping intervals',
      {
        calendar: {
          ...supportHours().calendar,
          week: {
            mon: [
              { start: '09:00', end: '13:00' },
              { start: '12:00', end: '18:00' },
            ],
          },
        },
      },
      '/content/calendar/week/mon/1/start',
    ],
    [
      'a time of day that does not exist',
      { calendar: { ...supportHours().calendar, week: { mon: [{ start: '09:00', end: '25:00' }] } } },
      '/content/calendar/week/mon/0/end',
    ],
    [
      'a week without working hours',
      { calendar: { ...supportHours().calendar, week: {} } },
      '/content/calendar/week',
    ],
    [
      'the same holiday twice',
      {
        calendar: {
          ...supportHours().calendar,
          holidays: [
            { date: '2026-12-24', name: 'Eve' },
            { date: '2026-12-24', name: 'Eve again' },
          ],
        },
      },
      '/content/calendar/holidays/1/date',
    ],
    [
      'a holiday that is not a date',
      { calendar: { ...supportHours().calendar, holidays: [{ date: '2026-02-30', name: 'x' }] } },
      '/content/calendar/holidays/0/date',
    ],
    [
      'a priority without a target',
      { targets: supportHours().targets.filter((t) => t.priority !== 'P4') },
      '/content/targets',
    ],
    [
      'a resolution target shorter than the first response',
      {
        targets: [
          ...supportHours().targets.slice(1),
          { priority: 'P1', firstResponseMinutes: 60, resolutionMinutes: 30 },
        ],
      },
      '/content/targets/4/resolutionMinutes',
    ],
    [
      'a negative target',
      {
        targets: [
          { ...supportHours().targets[0], firstResponseMinutes: -5 },
          ...supportHours().targets.slice(1),
        ],
      },
      '/content/targets/0/firstResponseMinutes',
    ],
    [
      'an escalation level given twice',
      {
        escalations: [
          { atPercent: 75, notify: 'agent', channels: ['email'] },
          { atPercent: 75, notify: 'agent', channels: ['sms'] },
        ],
      },
      '/content/escalations/1',
    ],
    [
      'an unknown channel',
      { escalations: [{ atPercent: 75, notify: 'agent', channels: ['pigeon'] }] },
      '/content/escalations/0/channels/0',
    ],
    [
      'an unknown audience',
      { escalations: [{ atPercent: 75, notify: 'ceo', channels: ['email'] }] },
      '/content/escalations/0/notify',
    ],
    ['an unknown field', { escalate: true }, '/content/escalate'],
    [
      'a target longer than two years of the calendar',
      {
        calendar: { ...supportHours().calendar, week: { mon: [{ start: '09:00', end: '09:01' }] } },
      },
      '/content/targets',
    ],
  ])('refuses %s with 422 pointing at the field, and creates nothing', async (_name, change, pointer) => {
    const before = (await hub.api.get('/v1/admin/sla-policies')).body.items.length;
    const response = await hub.api.post('/v1/admin/sla-policies', {
      content: { ...supportHours(), ...change },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await hub.api.get('/v1/admin/sla-policies')).body.items.length).toBe(before);
  });

  it('refuses a queue that does not exist', async () => {
    const response = await hub.api.post('/v1/admin/sla-policies', {
      content: { ...supportHours(), queueIds: ['que_01JD0000000000000000000000'] },
    });
    expect(response.status).toBe(422);
    expect(response.body.errors[0]).toMatchObject({
      pointer: '/content/queueIds/0',
      code: 'unknown_reference',
    });
  });
});

describe('the SLA dry run', () => {
  it('puts a P1 ticket created Friday 17:55 due on Monday morning: five minutes Friday, 55 Monday', async () => {
    const response = await simulate({ ticket: { priority: 'P1' }, createdAt: FRIDAY_1755 });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      policy: { id: policyId, version: 1, name: 'Support hours' },
      tier: 'standard',
      timeZone: 'Europe/Berlin',
      firstResponse: {
        targetMinutes: 60,
        dueAt: '2026-11-30T08:55:00.000Z',
        dueLocal: 'Mon 30 Nov 2026, 09:55 (Europe/Berlin)',
      },
      // 480 minutes: 5 on Friday, 540 on Monday would exceed it → Monday 16:55.
      resolution: { targetMinutes: 480, dueAt: '2026-11-30T15:55:00.000Z' },
    });
    expect(
      response.body.escalations
        .filter((e: { clock: string }) => e.clock === 'firstResponse')
        .map((e: { notify: string; atLocal: string; channels: string[] }) => [
          e.notify,
          e.atLocal,
          e.channels,
        ]),
    ).toEqual([
      ['agent', 'Mon 30 Nov 2026, 09:40 (Europe/Berlin)', ['email']],
      ['team-lead', 'Mon 30 Nov 2026, 09:55 (Europe/Berlin)', ['email', 'sms']],
      ['manager', 'Mon 30 Nov 2026, 10:25 (Europe/Berlin)', ['sms']],
    ]);
  });

  it('skips the holiday: the resolution clock of a P2 ticket runs past Monday into Wednesday', async () => {
    // 2400 minutes = 40 hours: 5 min Friday, 9 h Monday, Tuesday is the holiday, 9 h Wed/Thu/Fri, rest Monday.
    const response = await simulate({ ticket: { priority: 'P2' }, createdAt: FRIDAY_1755 });
    expect(response.body.firstResponse.dueLocal).toBe('Mon 30 Nov 2026, 12:55 (Europe/Berlin)');
    expect(response.body.resolution.dueLocal).toBe('Mon 7 Dec 2026, 12:55 (Europe/Berlin)');
  });

  it("uses the account's tier: a platinum P1 gets the 30-minute row", async () => {
    const response = await simulate({
      ticket: { priority: 'P1', accountId: platinumAccount },
      createdAt: FRIDAY_1755,
    });
    expect(response.body).toMatchObject({
      tier: 'platinum',
      firstResponse: { targetMinutes: 30, dueLocal: 'Mon 30 Nov 2026, 09:25 (Europe/Berlin)' },
    });
  });

  it('tries a draft version when one is named, without activating it', async () => {
    const draft = await hub.api.post(`/v1/admin/sla-policies/${policyId}/versions`, {
      content: {
        ...supportHours(),
        targets: supportHours().targets.map((t) => ({
          ...t,
          firstResponseMinutes: t.firstResponseMinutes / 2,
        })),
      },
    });
    expect(draft.status).toBe(201);
    const tried = await simulate({
      ticket: { priority: 'P1' },
      createdAt: FRIDAY_1755,
      policy: { id: policyId, version: 2 },
    });
    expect(tried.body.firstResponse).toMatchObject({
      targetMinutes: 30,
      dueLocal: 'Mon 30 Nov 2026, 09:25 (Europe/Berlin)',
    });
    const active = await simulate({ ticket: { priority: 'P1' }, createdAt: FRIDAY_1755 });
    expect(active.body.policy.version).toBe(1);
  });

  it('prefers a policy naming the ticket’s queue', async () => {
    const queuePolicy = await hub.api.post('/v1/admin/sla-policies', {
      content: { ...supportHours(), name: 'Support queue', queueIds: [queueId] },
      activate: true,
    });
    const response = await simulate({ ticket: { priority: 'P1', queueId }, createdAt: FRIDAY_1755 });
    expect(response.body.policy).toMatchObject({ id: queuePolicy.body.id, name: 'Support queue' });
    expect(response.body.policy.why).toContain(queueId);
    // The Monday is not a holiday in that policy's calendar: the same answer as above.
    expect(response.body.firstResponse.dueLocal).toBe('Mon 30 Nov 2026, 09:55 (Europe/Berlin)');
    await hub.api.post(`/v1/admin/sla-policies/${queuePolicy.body.id}/activate`, { version: null });
  });

  it.each([
    [
      'both a ticket id and ticket facts',
      { ticketId: 'tkt_01JD0000000000000000000000', ticket: { priority: 'P1' } },
      422,
    ],
    ['neither', {}, 422],
    ['an unknown priority', { ticket: { priority: 'P0' } }, 422],
    ['a creation time without an offset', { ticket: { priority: 'P1' }, createdAt: '2026-11-27 17:55' }, 422],
    ['an account and a tier', { ticket: { accountId: 'acc_01JD0000000000000000000000', tier: 'gold' } }, 422],
    ['an unknown field', { ticket: { priority: 'P1' }, startedAt: FRIDAY_1755 }, 422],
    ['a ticket that does not exist', { ticketId: 'tkt_01JD0000000000000000000000' }, 404],
    [
      'a policy version that does not exist',
      { ticket: { priority: 'P1' }, policy: { id: 'slp_01JD0000000000000000000000', version: 1 } },
      404,
    ],
  ])('answers %s with a problem', async (_name, body, status) => {
    const response = await simulate(body);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('is closed to sales', async () => {
    expect((await simulate({ ticket: { priority: 'P1' } }, 'sales')).status).toBe(403);
  });
});
