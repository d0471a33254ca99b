/**
 * When an open approval step's next timeout fires, and what it does then. Pure, and counted in
 * workflow time (the seconds the state machine waits), never the wall clock: locally that time
 * may run thousands of times faster.
 *
 * A policy timeout says what happens after `afterHours`: remind (then again every
 * `reminderEveryHours`, at most `maxReminders` times), escalate (again after each `afterHours`
 * while someone is above), auto-approve or auto-reject. Links live at most the policy's
 * `linkValidityHours` (72 h at most), so one wait never outlasts the links it waits on: a longer
 * policy wait is cut at the links' expiry, fresh links go out ("renew"), and the rest of the wait
 * is carried over. Once nothing is left to do — no timeout in the policy, reminders used up,
 * nobody above to escalate to — the step expires when its last links do.
 */
import type { ApprovalStep, TimerAction } from '#store/approval-store';

export type StepTimeout = NonNullable<ApprovalStep['timeout']>;
export type Timer = NonNullable<ApprovalStep['timer']>;

/** The most hours an approval link stays valid, whatever a policy says. */
export const MAX_LINK_HOURS = 72;

export interface Scheduled {
  timer: Timer;
  /** What the waiting task's TimeoutSecondsPath reads: a positive whole number. */
  timeoutSeconds: number;
}

export const secondsOf = (hours: number) => Math.max(1, Math.round(hours * 3600));

export const linkSeconds = (linkValidityHours: number | undefined) =>
  secondsOf(Math.min(linkValidityHours ?? MAX_LINK_HOURS, MAX_LINK_HOURS));

function schedule(next: TimerAction, waitSeconds: number, validitySeconds: number): Scheduled {
  const timeoutSeconds = Math.max(1, Math.min(waitSeconds, validitySeconds));
  return { timer: { next, carrySeconds: Math.max(0, waitSeconds - timeoutSeconds) }, timeoutSeconds };
}

/** The first wait of a step that has just opened. */
export function openingSchedule(timeout: StepTimeout | undefined, linkValidityHours?: number): Scheduled {
  const validity = linkSeconds(linkValidityHours);
  if (!timeout) return schedule('expire', validity, validity);
  return schedule(timeout.action as TimerAction, secondsOf(timeout.afterHours), validity);
}

/** What the timeout that has just fired does: renew expired links, or the timer's action. */
export const dueAction = (timer: Timer): TimerAction | 'renew' =>
  timer.carrySeconds > 0 ? 'renew' : timer.next;

/** After fresh links went out for a wait cut short by their validity: the rest of that wait. */
export const afterRenewal = (timer: Timer, linkValidityHours?: number): Scheduled =>
  schedule(timer.next, timer.carrySeconds, linkSeconds(linkValidityHours));

/** After reminder number `sent`: the next one, or — when they are used up — expiry with the last links. */
export function afterReminder(timeout: StepTimeout, sent: number, linkValidityHours?: number): Scheduled {
  const validity = linkSeconds(linkValidityHours);
  if (sent < timeout.maxReminders)
    return schedule('remind', secondsOf(timeout.reminderEveryHours ?? timeout.afterHours), validity);
  return schedule('expire', validity, validity);
}

/** After an escalation: escalate again later while it reached someone new, else expire with the last links. */
export function afterEscalation(
  timeout: StepTimeout,
  escalated: boolean,
  linkValidityHours?: number,
): Scheduled {
  const validity = linkSeconds(linkValidityHours);
  return escalated
    ? schedule('escalate', secondsOf(timeout.afterHours), validity)
    : schedule('expire', validity, validity);
}
