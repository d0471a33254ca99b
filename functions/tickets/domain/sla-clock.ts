/**
 * The SLA of one ticket as plain functions over its stored state: which target applies, how the
 * two clocks move as the ticket changes, and what is due when. The ticket's writes, the
 * ticket-sla workflow's task and the dry run all call these, so they cannot disagree.
 *
 *   first response  runs from creation until the first agent reply (or resolution)
 *   resolution      runs from creation until the ticket is resolved or closed
 *   both            pause while the ticket waits on the customer; resume when they reply
 *
 * A clock keeps the business minutes it has used and when it last changed state; while it runs,
 * its deadline is `since` plus the minutes it has left, counted in the policy's calendar. Every
 * escalation level is a share of the target, placed the same way.
 */
import type { SlaClockName, SlaPolicy, SlaTarget } from '#schemas/admin/sla-policy';
import type { SlaBreach, SlaClock, TicketSla } from '#schemas/admin/sla-ticket';
import { BusinessClock } from '../../shared/business-calendar.ts';

export interface PolicyRef {
  id: string;
  version: number;
  name: string;
}

/** What the SLA reads from a ticket. */
export interface TicketFacts {
  status: string;
  priority: string;
  firstRespondedAt?: string | undefined;
}

/**
 * The target row for a priority and tier: a row naming the tier wins over a row for every tier;
 * among equals, the first listed. The schema guarantees one exists.
 */
export function targetFor(policy: SlaPolicy, priority: string, tier: string): SlaTarget {
  const rows = policy.targets.filter((t) => t.priority === priority);
  const found = rows.find((t) => t.tiers?.includes(tier as never)) ?? rows.find((t) => t.tiers === undefined);
  if (!found) throw new Error(`the policy has no target for ${priority}/${tier}`);
  return found;
}

const minutesOf = (target: SlaTarget, clock: SlaClockName) =>
  clock === 'firstResponse' ? target.firstResponseMinutes : target.resolutionMinutes;

/** The state each clock should be in for the ticket as it is now. */
export function desiredState(clock: SlaClockName, ticket: TicketFacts): SlaClock['state'] {
  const finished = ticket.status === 'resolved' || ticket.status === 'closed';
  if (finished || (clock === 'firstResponse' && ticket.firstRespondedAt)) return 'stopped';
  return ticket.status === 'pending_customer' ? 'paused' : 'running';
}

/** When a running clock reaches `percent` of its target. */
export function pointOf(business: BusinessClock, clock: SlaClock, percent: number): Date {
  return business.addMinutes(
    new Date(clock.since),
    (clock.targetMinutes * percent) / 100 - clock.usedMinutes,
  );
}

function moveClock(
  business: BusinessClock,
  name: SlaClockName,
  previous: SlaClock | undefined,
  target: number,
  wanted: SlaClock['state'],
  now: Date,
  breaches: SlaBreach[],
  priority: string,
): SlaClock {
  const at = now.toISOString();
  let clock: SlaClock = previous ?? { targetMinutes: target, state: 'running', usedMinutes: 0, since: at };
  clock = { ...clock, targetMinutes: target };
  if (clock.state !== wanted) {
    const wasRunning = clock.state === 'running';
    if (wasRunning) {
      clock.usedMinutes += business.minutesBetween(new Date(clock.since), now);
      // A clock stopped after its deadline breached, even if no workflow saw the deadline pass.
      if (clock.dueAt && Date.parse(clock.dueAt) < now.getTime() && !clock.breachedAt) {
        clock.breachedAt = clock.dueAt;
        breaches.push({ clock: name, dueAt: clock.dueAt, recordedAt: at, priority });
      }
    }
    const { dueAt: _due, stoppedAt: _stopped, ...rest } = clock;
    clock = { ...rest, state: wanted, since: at, ...(wanted === 'stopped' ? { stoppedAt: at } : {}) };
  }
  if (clock.state === 'running') {
    const { dueAt: _due, ...rest } = clock;
    clock = { ...rest, dueAt: pointOf(business, clock, 100).toISOString() };
  }
  return clock;
}

/** The parts of the state that decide what the workflow waits for. */
const scheduleSignature = (sla: Omit<TicketSla, 'generation'>) =>
  JSON.stringify([
    sla.firstResponse.state,
    sla.firstResponse.dueAt,
    sla.firstResponse.targetMinutes,
    sla.resolution.state,
    sla.resolution.dueAt,
    sla.resolution.targetMinutes,
    sla.autoCloseAt,
  ]);

export interface Advanced {
  sla: TicketSla;
  /** Breaches found by this change (a clock stopped after its deadline). */
  breaches: SlaBreach[];
  /** Whether what the workflow waits for changed: a new generation must watch it. */
  rescheduled: boolean;
}

/**
 * The SLA after the ticket changed (or was created, with no previous state). Clocks that change
 * state count the business minutes they ran; targets follow the priority; the auto-close time
 * follows a resolved or customer-pending status.
 */
export function advanceSla(input: {
  previous: TicketSla | undefined;
  ticket: TicketFacts;
  policy: SlaPolicy;
  policyRef: PolicyRef;
  tier: string;
  now: Date;
}): Advanced {
  const { previous, ticket, policy, now } = input;
  const business = new BusinessClock(policy.calendar);
  const target = targetFor(policy, ticket.priority, input.tier);
  const breaches: SlaBreach[] = [];
  const clocks = {
    firstResponse: moveClock(
      business,
      'firstResponse',
      previous?.firstResponse,
      minutesOf(target, 'firstResponse'),
      desiredState('firstResponse', ticket),
      now,
      breaches,
      ticket.priority,
    ),
    resolution: moveClock(
      business,
      'resolution',
      previous?.resolution,
      minutesOf(target, 'resolution'),
      desiredState('resolution', ticket),
      now,
      breaches,
      ticket.priority,
    ),
  };
  const statusSince =
    previous && previous.status === ticket.status ? previous.statusSince : now.toISOString();
  const autoClose =
    ticket.status === 'resolved'
      ? { reason: 'resolved' as const, days: policy.autoClose.resolvedAfterBusinessDays }
      : ticket.status === 'pending_customer'
        ? { reason: 'customer-silent' as const, days: policy.autoClose.pendingCustomerAfterBusinessDays }
        : undefined;
  const base = {
    policy: previous?.policy ?? input.policyRef,
    priority: ticket.priority,
    tier: input.tier,
    status: ticket.status,
    statusSince,
    ...clocks,
    escalations: previous?.escalations ?? [],
    breaches: [...(previous?.breaches ?? []), ...breaches],
    ...(previous?.closedAutomaticallyAt ? { closedAutomaticallyAt: previous.closedAutomaticallyAt } : {}),
    ...(previous?.survey ? { survey: previous.survey } : {}),
    ...(autoClose
      ? {
          autoCloseAt: business.addBusinessDays(new Date(statusSince), autoClose.days).toISOString(),
          autoCloseReason: autoClose.reason,
        }
      : {}),
  };
  const rescheduled = !previous || scheduleSignature(previous) !== scheduleSignature(base);
  return {
    sla: { ...base, generation: (previous?.generation ?? 0) + (rescheduled ? 1 : 0) },
    breaches,
    rescheduled,
  };
}

export type SlaPoint =
  | {
      kind: 'escalation';
      key: string;
      clock: SlaClockName;
      level: number;
      atPercent: number;
      notify: SlaPolicy['escalations'][number]['notify'];
      channels: ('email' | 'sms')[];
      at: string;
    }
  | { kind: 'breach'; clock: SlaClockName; at: string }
  | { kind: 'auto-close'; reason: 'resolved' | 'customer-silent'; at: string }
  | { kind: 'survey'; at: string };

export const escalationKey = (clock: SlaClockName, atPercent: number, notify: string) =>
  `${clock}:${atPercent}:${notify}`;

/**
 * Every point still ahead for the ticket as it stands, in time order: escalations not yet sent
 * and breaches not yet recorded on running clocks, and the auto-close. Earliest first; at equal
 * times escalations before the breach they announce, then the auto-close, then the survey a
 * ticket closed automatically still owes its customer.
 */
export function pendingPoints(sla: TicketSla, policy: SlaPolicy): SlaPoint[] {
  const business = new BusinessClock(policy.calendar);
  const sent = new Set(sla.escalations.map((e) => e.key));
  const points: SlaPoint[] = [];
  for (const clock of ['firstResponse', 'resolution'] as const) {
    const state = sla[clock];
    if (state.state !== 'running') continue;
    policy.escalations.forEach((level, index) => {
      if (!level.clocks.includes(clock)) return;
      const key = escalationKey(clock, level.atPercent, level.notify);
      if (sent.has(key)) return;
      points.push({
        kind: 'escalation',
        key,
        clock,
        level: index,
        atPercent: level.atPercent,
        notify: level.notify,
        channels: level.channels,
        at: pointOf(business, state, level.atPercent).toISOString(),
      });
    });
    if (!state.breachedAt && state.dueAt) points.push({ kind: 'breach', clock, at: state.dueAt });
  }
  if (sla.autoCloseAt && sla.autoCloseReason && !sla.closedAutomaticallyAt)
    points.push({ kind: 'auto-close', reason: sla.autoCloseReason, at: sla.autoCloseAt });
  if (sla.survey?.state === 'owed' && sla.closedAutomaticallyAt)
    points.push({ kind: 'survey', at: sla.closedAutomaticallyAt });
  const rank = { escalation: 0, breach: 1, 'auto-close': 2, survey: 3 } as const;
  return points.sort((a, b) => a.at.localeCompare(b.at) || rank[a.kind] - rank[b.kind]);
}

/** The points due at `cutoff`, and the first one after it (what to wait for next). */
export function splitDue(points: SlaPoint[], cutoff: Date): { due: SlaPoint[]; next?: SlaPoint } {
  const limit = cutoff.getTime();
  const due = points.filter((p) => Date.parse(p.at) <= limit);
  const next = points.find((p) => Date.parse(p.at) > limit);
  return { due, ...(next ? { next } : {}) };
}
