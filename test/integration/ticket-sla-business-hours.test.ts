/**
 * The SLA in business hours, live: the hub's clock is set to Friday 27 November 2026, 17:55 in
 * Berlin (only `Date` is faked, and it keeps running), the calendar is Mon–Fri 09:00–18:00 with
 * Tuesday 1 December a holiday, and workflow time runs four days a second. A P1 ticket created then
 * is due for its first response on Monday morning and for resolution on Wednesday, past the
 * holiday; the warnings and escalations arrive in the inbox and the SMS outbox at those offsets.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { eventually, inbox, outbox } from '../support/quote-approval.ts';

const FRIDAY_1755 = new Date('2026-11-27T17:55:00+01:00');
const tag = Math.random().toString(36).slice(2, 8);
const email = (who: string) => `${who}.${tag}@example.com`;
const PHONES = { lead: '+4915112360001', boss: '+4915112360002' };
const nineToSix = [{ start: '09:00', end: '18:00' }];

let hub: TestHub;
const ids: Record<string, string> = {};

beforeAll(async () => {
  vi.useFakeTimers({ now: FRIDAY_1755, toFake: ['Date'], shouldAdvanceTime: true });
  // Four days a second. Each wait is measured from the hub's clock, which lags behind workflow
  // time (it only runs at wall-clock speed), so every escalation point is days away when waited for.
  hub = await startTestHub({ timeScale: 345_600 });
  const user = async (key: string, body: Record<string, unknown>) => {
    const response = await hub.api.post('/v1/users', { email: email(key), ...body });
    if (response.status !== 201) throw new Error(`user ${key}: ${response.status} ${response.text}`);
    ids[key] = response.body.id;
  };
  await user('boss', { name: 'Bea Boss', role: 'manager', phone: PHONES.boss });
  await user('lead', { name: 'Lee Lead', role: 'manager', managerId: ids.boss, phone: PHONES.lead });
  await user('agent', { name: 'Alex Agent', role: 'support', managerId: ids.lead });
  ids.queue = (await hub.api.post('/v1/queues', { name: `Support ${tag}`, managerId: ids.lead })).body.id;
  const policy = await hub.api.post('/v1/admin/sla-policies', {
    activate: true,
    content: {
      name: 'Berlin office hours',
      calendar: {
        timeZone: 'Europe/Berlin',
        week: { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix },
        holidays: [{ date: '2026-12-01', name: 'Company day' }],
      },
      targets: [
        { priority: 'P1', firstResponseMinutes: 60, resolutionMinutes: 960 },
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
    },
  });
  if (policy.status !== 201) throw new Error(`policy: ${policy.status} ${policy.text}`);
});
afterAll(async () => {
  await hub?.stop();
  vi.useRealTimers();
});

it('puts a P1 ticket of Friday 17:55 due Monday morning, resolves past the holiday, and escalates on business time', async () => {
  // Back to 17:55:00 however long the set-up took, so the deadlines below are exact to the minute.
  vi.setSystemTime(FRIDAY_1755);
  const created = await hub.api.post(
    '/v1/tickets',
    { subject: 'Checkout down', priority: 'P1', ownerId: ids.agent, queueId: ids.queue },
    { as: 'support' },
  );
  expect(created.status, created.text).toBe(201);
  expect(created.body.createdAt.slice(0, 16)).toBe('2026-11-27T16:55'); // the hub's clock: Friday 17:55 Berlin
  // 60 business minutes: 5 on Friday (18:00 closes), 55 on Monday → 09:55 Berlin, 08:55 UTC.
  const due = (iso: string) => iso.slice(0, 16);
  expect(due(created.body.sla.firstResponse.dueAt)).toBe('2026-11-30T08:55');
  // 960 minutes: 5 Friday, 540 Monday, Tuesday the holiday, 415 Wednesday → 15:55 Berlin.
  expect(due(created.body.sla.resolution.dueAt)).toBe('2026-12-02T14:55');

  const dryRun = await hub.api.post(
    '/v1/admin/sla-policies/simulate',
    { ticketId: created.body.id },
    { as: 'support' },
  );
  expect(dryRun.status, dryRun.text).toBe(200);
  expect(dryRun.body.firstResponse.dueLocal).toBe('Mon 30 Nov 2026, 09:55 (Europe/Berlin)');

  const done = await eventually(
    async () => {
      const t = (await hub.api.get(`/v1/tickets/${created.body.id}`, { as: 'support' })).body;
      return t.sla.escalations.length === 6 && t;
    },
    'six escalations',
    60_000,
  );
  const at = Object.fromEntries(
    done.sla.escalations.map((e: { clock: string; atPercent: number; dueAt: string }) => [
      `${e.clock} ${e.atPercent}`,
      due(e.dueAt),
    ]),
  );
  expect(at).toEqual({
    'firstResponse 75': '2026-11-30T08:40', // Monday 09:40 Berlin
    'firstResponse 100': '2026-11-30T08:55',
    'firstResponse 150': '2026-11-30T09:25',
    'resolution 75': '2026-12-02T10:55', // Wednesday 11:55: 720 business minutes, Tuesday skipped
    'resolution 100': '2026-12-02T14:55',
    'resolution 150': '2026-12-03T13:55', // Thursday 14:55: 1440 business minutes
  });

  // The dry run listed exactly these, at the same times.
  expect(
    dryRun.body.escalations.map((e: { clock: string; atPercent: number; at: string }) => [
      `${e.clock} ${e.atPercent}`,
      due(e.at),
    ]),
  ).toEqual(expect.arrayContaining(Object.entries(at)));
  expect(dryRun.body.escalations).toHaveLength(6);

  // Seen where people see them: the agent's inbox, the team lead's inbox and phone, the manager's phone.
  expect((await inbox(hub, email('agent'))).map((m) => m.subject)).toEqual([
    expect.stringMatching(/^\[SLA warning\] P1 ticket “Checkout down”: first response due /),
    expect.stringMatching(/^\[SLA warning\] P1 ticket “Checkout down”: resolution due /),
  ]);
  expect((await inbox(hub, email('lead'))).map((m) => m.subject)).toHaveLength(2);
  expect((await outbox(hub, PHONES.lead)).map((s) => s.message)).toEqual([
    expect.stringMatching(/first response OVERDUE/),
    expect.stringMatching(/resolution OVERDUE/),
  ]);
  expect((await outbox(hub, PHONES.boss)).map((s) => s.message)).toEqual([
    expect.stringMatching(/^Junction SLA escalation: .* first response OVERDUE/),
    expect.stringMatching(/^Junction SLA escalation: .* resolution OVERDUE/),
  ]);
});
