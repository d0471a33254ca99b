import { describe, expect, it } from 'vitest';
import {
  afterEscalation,
  afterReminder,
  afterRenewal,
  dueAction,
  linkSeconds,
  openingSchedule,
} from '#functions/approvals/domain/step-timer';

const HOUR = 3600;
const remind = { afterHours: 24, action: 'remind', maxReminders: 2, reminderEveryHours: 8 };

describe('step timer', () => {
  it('lets a step without a policy timeout wait for its links to expire, then expire', () => {
    const opening = openingSchedule(undefined, 48);

    expect(opening).toEqual({ timer: { next: 'expire', carrySeconds: 0 }, timeoutSeconds: 48 * HOUR });
    expect(dueAction(opening.timer)).toBe('expire');
  });

  it('never lets links live longer than 72 hours, whatever the policy says', () => {
    expect(linkSeconds(500)).toBe(72 * HOUR);
    expect(linkSeconds(undefined)).toBe(72 * HOUR);
    expect(openingSchedule(undefined, 500).timeoutSeconds).toBe(72 * HOUR);
  });

  it('fires the policy action after afterHours', () => {
    const opening = openingSchedule({ afterHours: 4, action: 'escalate', maxReminders: 2 }, 72);

    expect(opening.timeoutSeconds).toBe(4 * HOUR);
    expect(dueAction(opening.timer)).toBe('escalate');
  });

  it('cuts a wait longer than the links at their expiry, renews them, and carries the rest over', () => {
    const opening = openingSchedule({ afterHours: 100, action: 'auto-approve', maxReminders: 2 }, 48);
    const renewed = afterRenewal(opening.timer, 48);
    const again = afterRenewal(renewed.timer, 48);

    expect(opening.timeoutSeconds).toBe(48 * HOUR);
    expect(dueAction(opening.timer)).toBe('renew');
    expect(renewed.timeoutSeconds).toBe(48 * HOUR);
    expect(dueAction(renewed.timer)).toBe('renew');
    expect(again.timeoutSeconds).toBe(4 * HOUR);
    expect(dueAction(again.timer)).toBe('auto-approve');
  });

  it('reminds every reminderEveryHours up to maxReminders, then expires with the last links', () => {
    const first = afterReminder(remind, 1, 72);
    const last = afterReminder(remind, 2, 72);

    expect(first).toEqual({ timer: { next: 'remind', carrySeconds: 0 }, timeoutSeconds: 8 * HOUR });
    expect(last).toEqual({ timer: { next: 'expire', carrySeconds: 0 }, timeoutSeconds: 72 * HOUR });
  });

  it('spaces reminders by afterHours when no spacing is given', () => {
    expect(afterReminder({ afterHours: 6, action: 'remind', maxReminders: 3 }, 1, 72).timeoutSeconds).toBe(
      6 * HOUR,
    );
  });

  it('escalates again after afterHours while someone new was reached, and expires when nobody was', () => {
    const timeout = { afterHours: 12, action: 'escalate', maxReminders: 2 };

    expect(afterEscalation(timeout, true, 72)).toEqual({
      timer: { next: 'escalate', carrySeconds: 0 },
      timeoutSeconds: 12 * HOUR,
    });
    expect(afterEscalation(timeout, false, 24)).toEqual({
      timer: { next: 'expire', carrySeconds: 0 },
      timeoutSeconds: 24 * HOUR,
    });
  });

  it('answers whole seconds of at least one, as TimeoutSecondsPath requires', () => {
    const opening = openingSchedule({ afterHours: 0.05, action: 'remind', maxReminders: 1 }, 72);

    expect(opening.timeoutSeconds).toBe(180);
    expect(
      Number.isInteger(
        openingSchedule({ afterHours: 1 / 7, action: 'remind', maxReminders: 1 }).timeoutSeconds,
      ),
    ).toBe(true);
  });
});
