/**
 * A ticket SLA policy: the business hours its clocks count in, how long the first response and
 * the resolution may take by priority and customer tier, who is told as a deadline nears and
 * passes, and when quiet tickets close themselves. Admins own it as data.
 *
 * Targets are in business minutes: a 60-minute first response on a ticket opened at 17:55 on a
 * Friday, under Monday–Friday 09:00–18:00, is due at 09:55 on the next working day.
 */
import * as z from 'zod';
import { IsoDate, longText, recordId, text } from '../common.ts';
import { ACCOUNT_TIERS } from '../records/account.ts';
import { TICKET_PRIORITIES } from '../records/ticket.ts';
import {
  ESCALATION_AUDIENCES,
  type EscalationAudience,
  SLA_CLOCKS,
  type SlaClockName,
} from './sla-ticket.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes since local midnight for `HH:mm`; `24:00` is the end of the day. */
export const minutesOfDay = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

const ClockTime = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: 'must be a time of day as HH:mm (00:00–24:00)' });

export const WorkingInterval = z
  .strictObject({ start: ClockTime, end: ClockTime })
  .refine((i) => minutesOfDay(i.start) < minutesOfDay(i.end), {
    error: 'must end after it starts, on the same day',
    path: ['end'],
  });
export type WorkingInterval = z.infer<typeof WorkingInterval>;

const DayHours = z
  .array(WorkingInterval)
  .max(6)
  .default([])
  .superRefine((intervals, ctx) => {
    const sorted = intervals.map((i, at) => ({ ...i, at })).sort((a, b) => a.start.localeCompare(b.start));
    for (let k = 1; k < sorted.length; k++) {
      const before = sorted[k - 1];
      const here = sorted[k];
      if (before && here && minutesOfDay(here.start) < minutesOfDay(before.end))
        ctx.addIssue({ code: 'custom', path: [here.at, 'start'], message: 'overlaps another interval' });
    }
  })
  .meta({
    description: 'Working intervals of the day in local time, e.g. [{"start":"09:00","end":"18:00"}]',
  });

/**
 * Whether the platform's time-zone database knows the zone: the check luxon's IANAZone makes,
 * asked of Intl directly so that every handler loading the admin schemas does not carry luxon.
 */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone }).format();
    return zone.length > 0;
  } catch {
    return false;
  }
}

export const BusinessCalendar = z
  .strictObject({
    timeZone: z.string().max(64).refine(isTimeZone, {
      error: 'must be an IANA time zone such as Europe/Berlin',
    }),
    week: z
      .strictObject(
        Object.fromEntries(WEEKDAYS.map((d) => [d, DayHours])) as Record<Weekday, typeof DayHours>,
      )
      .refine((week) => WEEKDAYS.some((d) => (week[d] ?? []).length > 0), {
        error: 'must have working hours on at least one day',
      }),
    holidays: z
      .array(z.strictObject({ date: IsoDate, name: text(100) }))
      .max(400)
      .default([])
      .superRefine((days, ctx) => {
        const seen = new Set<string>();
        days.forEach((day, i) => {
          if (seen.has(day.date))
            ctx.addIssue({ code: 'custom', path: [i, 'date'], message: 'lists the same date twice' });
          seen.add(day.date);
        });
      })
      .meta({ description: 'Days without working hours, as local dates' }),
  })
  .meta({ id: 'BusinessCalendar' });
export type BusinessCalendar = z.infer<typeof BusinessCalendar>;

/** Business minutes: up to a year of round-the-clock time. */
const Minutes = z.number().positive().max(525_600);

export const SlaTarget = z
  .strictObject({
    priority: z.enum(TICKET_PRIORITIES),
    tiers: z
      .array(z.enum(ACCOUNT_TIERS))
      .min(1)
      .max(ACCOUNT_TIERS.length)
      .optional()
      .meta({ description: 'Account tiers this row is for; omitted: every tier' }),
    firstResponseMinutes: Minutes.meta({ description: 'Business minutes to the first agent response' }),
    resolutionMinutes: Minutes.meta({ description: 'Business minutes to resolution' }),
  })
  .refine((t) => t.resolutionMinutes >= t.firstResponseMinutes, {
    error: 'must not be shorter than the first response target',
    path: ['resolutionMinutes'],
  });
export type SlaTarget = z.infer<typeof SlaTarget>;

export { ESCALATION_AUDIENCES, type EscalationAudience, SLA_CLOCKS, type SlaClockName };

export const EscalationLevel = z
  .strictObject({
    atPercent: z.int().min(1).max(1000).meta({
      description: 'When, as a share of the target: 75 warns before, 100 at, 150 after the deadline',
    }),
    notify: z.enum(ESCALATION_AUDIENCES).meta({
      description:
        "agent: the ticket's owner (else the queue's inbox); team-lead: the queue's manager (else the owner's); manager: the team lead's manager",
    }),
    channels: z
      .array(z.enum(['email', 'sms']))
      .min(1)
      .max(2)
      .refine((c) => new Set(c).size === c.length, { error: 'must not list a channel twice' }),
    clocks: z
      .array(z.enum(SLA_CLOCKS))
      .min(1)
      .max(2)
      .default(['firstResponse', 'resolution'])
      .refine((c) => new Set(c).size === c.length, { error: 'must not list a clock twice' }),
  })
  .meta({ id: 'SlaEscalationLevel' });
export type EscalationLevel = z.infer<typeof EscalationLevel>;

export const AutoClose = z
  .strictObject({
    resolvedAfterBusinessDays: z
      .int()
      .min(1)
      .max(60)
      .meta({ description: 'A resolved ticket nobody reopens closes after this many business days' }),
    pendingCustomerAfterBusinessDays: z
      .int()
      .min(1)
      .max(60)
      .meta({ description: 'A ticket waiting on a customer who never replies closes after this many' }),
    survey: z
      .boolean()
      .default(true)
      .meta({ description: 'Email the customer a satisfaction survey on closing' }),
    surveyValidDays: z.int().min(1).max(90).default(14),
  })
  .meta({ id: 'SlaAutoClose' });

export const SlaPolicy = z
  .strictObject({
    name: text(100),
    description: longText(2000).optional(),
    queueIds: z.array(recordId('que')).min(1).max(100).optional().meta({
      description: 'Tickets of these queues only; omitted: every ticket no queue-specific policy covers',
    }),
    calendar: BusinessCalendar,
    targets: z.array(SlaTarget).min(1).max(100),
    escalations: z.array(EscalationLevel).max(20).default([]),
    autoClose: AutoClose,
  })
  .superRefine((policy, ctx) => {
    // Every ticket must get a target, whatever its account's tier.
    for (const priority of TICKET_PRIORITIES) {
      const covered = new Set(
        policy.targets.filter((t) => t.priority === priority).flatMap((t) => t.tiers ?? ACCOUNT_TIERS),
      );
      const missing = ACCOUNT_TIERS.filter((tier) => !covered.has(tier));
      if (missing.length > 0)
        ctx.addIssue({
          code: 'custom',
          path: ['targets'],
          message: `has no target for priority ${priority} and tier ${missing.join(', ')}`,
        });
    }
    const levels = new Set<string>();
    policy.escalations.forEach((level, i) => {
      const key = `${level.atPercent}:${level.notify}`;
      if (levels.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['escalations', i],
          message: `notifies ${level.notify} at ${level.atPercent}% twice`,
        });
      levels.add(key);
    });
    // Deadlines must be reachable: the longest wait may span at most two years of working weeks.
    const weekly = WEEKDAYS.reduce(
      (sum, day) =>
        sum +
        (policy.calendar.week[day] ?? []).reduce(
          (m, i) => m + minutesOfDay(i.end) - minutesOfDay(i.start),
          0,
        ),
      0,
    );
    const longest =
      Math.max(...policy.targets.map((t) => t.resolutionMinutes)) *
      Math.max(1, ...policy.escalations.map((e) => e.atPercent / 100));
    if (weekly > 0 && longest > weekly * 104)
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: `asks for ${Math.round(longest)} business minutes, more than two years of this calendar's working time`,
      });
    if (policy.queueIds && new Set(policy.queueIds).size !== policy.queueIds.length)
      ctx.addIssue({ code: 'custom', path: ['queueIds'], message: 'must not list a queue twice' });
  })
  .meta({ id: 'SlaPolicy' });
export type SlaPolicy = z.infer<typeof SlaPolicy>;
