import { describe, expect, it } from 'vitest';
import { BusinessClock } from '#functions/shared/business-calendar';
import { advanceSla, pendingPoints, splitDue, targetFor } from '#functions/tickets/domain/sla-clock';
import { SlaPolicy } from '#schemas/admin/sla-policy';

const nineToSix = [{ start: '09:00', end: '18:00' }];

/** Mon–Fri 09:00–18:00 in Berlin, the holidays given; 60/480 minutes for P1, 240/2400 for the rest. */
function policy(holidays: { date: string; name: string }[] = [], extra: Record<string, unknown> = {}) {
  return SlaPolicy.parse({
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
      { priority: 'P3', firstResponseMinutes: 240, resolutionMinutes: 2400 },
      { priority: 'P4', firstResponseMinutes: 480, resolutionMinutes: 4800 },
    ],
    escalations: [
      { atPercent: 75, notify: 'agent', channels: ['email'] },
      { atPercent: 100, notify: 'team-lead', channels: ['email', 'sms'] },
      { atPercent: 150, notify: 'manager', channels: ['sms'] },
    ],
    autoClose: { resolvedAfterBusinessDays: 3, pendingCustomerAfterBusinessDays: 5 },
    ...extra,
  });
}

const ref = { id: 'slp_01JD0000000000000000000000', version: 1, name: 'Support hours' };
/** Friday 27 November 2026, 17:55 in Berlin (CET, UTC+1). */
const FRIDAY_1755 = new Date('2026-11-27T16:55:00Z');

describe('BusinessClock', () => {
  const clock = new BusinessClock(policy().calendar);

  it('counts a P1 hour from Friday 17:55 as five minutes on Friday and 55 on Monday morning', () => {
    expect(clock.addMinutes(FRIDAY_1755, 60).toISOString()).toBe('2026-11-30T08:55:00.000Z'); // Mon 09:55 CET
  });

  it('skips a Monday holiday: the deadline moves to Tuesday 09:55', () => {
    const withHoliday = new BusinessClock(policy([{ date: '2026-11-30', name: 'Company day' }]).calendar);
    expect(withHoliday.addMinutes(FRIDAY_1755, 60).toISOString()).toBe('2026-12-01T08:55:00.000Z');
  });

  it('starts counting on Monday 09:00 when the Friday itself is a holiday', () => {
    const fridayOff = new BusinessClock(policy([{ date: '2026-11-27', name: 'Black Friday' }]).calendar);
    expect(fridayOff.addMinutes(FRIDAY_1755, 60).toISOString()).toBe('2026-11-30T09:00:00.000Z'); // Mon 10:00
  });

  it('lands exactly at the end of the working day rather than the next morning', () => {
    const monday0900 = new Date('2026-11-30T08:00:00Z');
    expect(clock.addMinutes(monday0900, 9 * 60).toISOString()).toBe('2026-11-30T17:00:00.000Z'); // 18:00
  });

  it('counts local hours on the day daylight saving ends (25-hour day, still nine working hours)', () => {
    // Sunday 25 Oct 2026 the clocks go back; Monday 26 Oct 09:00 is CET (UTC+1), Friday 23 Oct was CEST.
    const friday1755Summer = new Date('2026-10-23T15:55:00Z');
    expect(clock.addMinutes(friday1755Summer, 60).toISOString()).toBe('2026-10-26T08:55:00.000Z');
  });

  it('measures business minutes between instants across a weekend and a holiday', () => {
    const withHoliday = new BusinessClock(policy([{ date: '2026-11-30', name: 'Company day' }]).calendar);
    // Fri 17:55 → Tue 10:00 = 5 minutes Friday + 0 Monday + 60 Tuesday.
    expect(withHoliday.minutesBetween(FRIDAY_1755, new Date('2026-12-01T09:00:00Z'))).toBe(65);
    expect(withHoliday.minutesBetween(new Date('2026-12-01T09:00:00Z'), FRIDAY_1755)).toBe(0);
  });

  it('adds business days at the same local time, skipping weekends and holidays', () => {
    const withHoliday = new BusinessClock(policy([{ date: '2026-11-30', name: 'Company day' }]).calendar);
    const friday1500 = new Date('2026-11-27T14:00:00Z');
    expect(withHoliday.addBusinessDays(friday1500, 1).toISOString()).toBe('2026-12-01T14:00:00.000Z');
    expect(withHoliday.addBusinessDays(friday1500, 3).toISOString()).toBe('2026-12-03T14:00:00.000Z');
  });

  it('answers the start itself for zero minutes, and formats times in the calendar zone', () => {
    expect(clock.addMinutes(FRIDAY_1755, 0).toISOString()).toBe(FRIDAY_1755.toISOString());
    expect(clock.format(FRIDAY_1755)).toBe('Fri 27 Nov 2026, 17:55 (Europe/Berlin)');
  });

  it('honours 24:00 as the end of a round-the-clock day', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    const always = new BusinessClock({
      timeZone: 'UTC',
      week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
      holidays: [],
    });
    expect(always.addMinutes(new Date('2026-11-28T23:30:00Z'), 90).toISOString()).toBe(
      '2026-11-29T01:00:00.000Z',
    );
  });
});

describe('targetFor', () => {
  it('prefers a row naming the tier over the row for every tier', () => {
    expect(targetFor(policy(), 'P1', 'platinum').firstResponseMinutes).toBe(30);
    expect(targetFor(policy(), 'P1', 'gold').firstResponseMinutes).toBe(60);
  });
});

describe('advanceSla', () => {
  const start = (ticket = { status: 'new', priority: 'P1' }, p = policy()) =>
    advanceSla({
      previous: undefined,
      ticket,
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: FRIDAY_1755,
    });

  it('starts both clocks at creation with deadlines in business time', () => {
    const { sla, rescheduled } = start();
    expect(rescheduled).toBe(true);
    expect(sla.generation).toBe(1);
    expect(sla.firstResponse).toMatchObject({
      state: 'running',
      targetMinutes: 60,
      dueAt: '2026-11-30T08:55:00.000Z',
    });
    // 480 minutes: 5 on Friday, 475 from Monday 09:00 = Monday 16:55 local.
    expect(sla.resolution).toMatchObject({
      state: 'running',
      targetMinutes: 480,
      dueAt: '2026-11-30T15:55:00.000Z',
    });
  });

  it('places escalations at 75 %, 100 % and 150 % of each target, in time order', () => {
    const { sla } = start();
    const points = pendingPoints(sla, policy()).filter(
      (p) => p.kind === 'escalation' && p.clock === 'firstResponse',
    );
    expect(points.map((p) => [p.kind === 'escalation' && p.notify, p.at])).toEqual([
      ['agent', '2026-11-30T08:40:00.000Z'], // 45 minutes: Monday 09:40
      ['team-lead', '2026-11-30T08:55:00.000Z'],
      ['manager', '2026-11-30T09:25:00.000Z'], // 90 minutes: Monday 10:25
    ]);
  });

  it('pauses while waiting on the customer and moves the deadline by the business time paused', () => {
    const p = policy();
    const { sla } = start();
    const mondayNine30 = new Date('2026-11-30T08:30:00Z');
    const paused = advanceSla({
      previous: sla,
      ticket: { status: 'pending_customer', priority: 'P1' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: mondayNine30,
    });
    expect(paused.rescheduled).toBe(true);
    expect(paused.sla.firstResponse).toMatchObject({ state: 'paused', usedMinutes: 35 });
    expect(paused.sla.firstResponse.dueAt).toBeUndefined();
    expect(pendingPoints(paused.sla, p).filter((x) => x.kind !== 'auto-close')).toEqual([]);
    // The customer answers at 11:00: 25 minutes left, due 11:25.
    const resumed = advanceSla({
      previous: paused.sla,
      ticket: { status: 'open', priority: 'P1' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: new Date('2026-11-30T10:00:00Z'),
    });
    expect(resumed.sla.firstResponse).toMatchObject({
      state: 'running',
      usedMinutes: 35,
      dueAt: '2026-11-30T10:25:00.000Z',
    });
    expect(resumed.sla.generation).toBe(3);
  });

  it('recomputes the deadlines when the priority changes, keeping the time already used', () => {
    const p = policy();
    const { sla } = start({ status: 'new', priority: 'P3' });
    expect(sla.firstResponse.dueAt).toBe('2026-11-30T11:55:00.000Z'); // 240 min: 5 Friday, 235 to Monday 12:55
    const raised = advanceSla({
      previous: sla,
      ticket: { status: 'open', priority: 'P1' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: new Date('2026-11-30T08:10:00Z'), // Monday 09:10
    });
    expect(raised.sla.firstResponse).toMatchObject({ targetMinutes: 60, dueAt: '2026-11-30T08:55:00.000Z' });
    expect(raised.rescheduled).toBe(true);
  });

  it('stops the first-response clock at the first agent reply, and records a breach when it came late', () => {
    const p = policy();
    const { sla } = start();
    const late = advanceSla({
      previous: sla,
      ticket: { status: 'open', priority: 'P1', firstRespondedAt: '2026-11-30T09:00:00Z' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: new Date('2026-11-30T09:00:00Z'),
    });
    expect(late.sla.firstResponse).toMatchObject({
      state: 'stopped',
      breachedAt: '2026-11-30T08:55:00.000Z',
    });
    expect(late.breaches).toEqual([
      {
        clock: 'firstResponse',
        dueAt: '2026-11-30T08:55:00.000Z',
        recordedAt: '2026-11-30T09:00:00.000Z',
        priority: 'P1',
      },
    ]);
    expect(late.sla.resolution.state).toBe('running');
  });

  it('schedules the auto-close after resolution, and drops it when the ticket is reopened', () => {
    const p = policy();
    const { sla } = start();
    const resolved = advanceSla({
      previous: sla,
      ticket: { status: 'resolved', priority: 'P1', firstRespondedAt: '2026-11-30T08:20:00Z' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: new Date('2026-11-30T08:30:00Z'),
    });
    expect(resolved.sla.resolution.state).toBe('stopped');
    expect(resolved.sla).toMatchObject({
      autoCloseReason: 'resolved',
      autoCloseAt: '2026-12-03T08:30:00.000Z',
    });
    expect(pendingPoints(resolved.sla, p)).toEqual([
      { kind: 'auto-close', reason: 'resolved', at: '2026-12-03T08:30:00.000Z' },
    ]);
    const reopened = advanceSla({
      previous: resolved.sla,
      ticket: { status: 'open', priority: 'P1', firstRespondedAt: '2026-11-30T08:20:00Z' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: new Date('2026-11-30T09:30:00Z'),
    });
    expect(reopened.sla.autoCloseAt).toBeUndefined();
    // 5 minutes on Friday and 30 on Monday before it was resolved.
    expect(reopened.sla.resolution).toMatchObject({ state: 'running', usedMinutes: 35 });
  });

  it('changes nothing and keeps the generation when nothing that matters changed', () => {
    const p = policy();
    const { sla } = start();
    const again = advanceSla({
      previous: sla,
      ticket: { status: 'new', priority: 'P1' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: new Date('2026-11-30T08:00:00Z'),
    });
    expect(again.rescheduled).toBe(false);
    expect(again.sla).toEqual(sla);
  });
});

describe('splitDue', () => {
  it('answers what is due at the cutoff and what comes next', () => {
    const p = policy();
    const { sla } = advanceSla({
      previous: undefined,
      ticket: { status: 'new', priority: 'P1' },
      policy: p,
      policyRef: ref,
      tier: 'standard',
      now: FRIDAY_1755,
    });
    const { due, next } = splitDue(pendingPoints(sla, p), new Date('2026-11-30T08:55:00Z'));
    expect(due.map((d) => `${d.kind}:${d.at}`)).toEqual([
      'escalation:2026-11-30T08:40:00.000Z',
      'escalation:2026-11-30T08:55:00.000Z',
      'breach:2026-11-30T08:55:00.000Z',
    ]);
    expect(next).toMatchObject({ kind: 'escalation', notify: 'manager', at: '2026-11-30T09:25:00.000Z' });
  });
});
