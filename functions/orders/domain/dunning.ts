/**
 * When each reminder of a dunning policy falls for an invoice, and which one is due now. Pure:
 * the flow (../use-cases/dunning.ts) and the dry run both ask this.
 *
 * A level falls at the start of business hours on (or after) its day — the due date plus its
 * days, in the policy calendar's time zone. When several levels fell since the last look (the
 * flow was down, or an invoice was issued late), only the latest is sent: a customer gets one
 * reminder, the firmest that applies, and the ones it overtook are noted as skipped, never
 * charged.
 */
import type { DunningLevel, DunningPolicy } from '#schemas/admin/dunning-policy';
import { BusinessClock } from '../../shared/business-calendar.ts';

export interface PlannedLevel {
  index: number;
  level: DunningLevel;
  at: Date;
}

export function dunningSchedule(policy: DunningPolicy, dueDate: string): PlannedLevel[] {
  const clock = new BusinessClock(policy.calendar);
  return policy.levels.map((level, index) => ({
    index,
    level,
    at: clock.nextOpen(clock.startOfDate(dueDate, level.days)),
  }));
}

export interface DunningDecision {
  /** The level to send now, if any. */
  send?: PlannedLevel;
  /** Levels that fell but are overtaken by `send`: noted, not sent. */
  skip: PlannedLevel[];
  /** The next level still ahead, for the flow to wake up at. */
  next?: PlannedLevel;
}

/** What is due at `now` for an invoice that has had the levels named in `done` (sent or skipped). */
export function dunningDue(schedule: PlannedLevel[], done: ReadonlySet<string>, now: Date): DunningDecision {
  const open = schedule.filter((p) => !done.has(p.level.name));
  const fallen = open.filter((p) => p.at.getTime() <= now.getTime());
  const ahead = open.filter((p) => p.at.getTime() > now.getTime());
  // Levels are in order of days, so the last fallen one is the firmest.
  const send = fallen.at(-1);
  return {
    ...(send ? { send } : {}),
    skip: fallen.slice(0, -1),
    ...(ahead[0] ? { next: ahead[0] } : {}),
  };
}
