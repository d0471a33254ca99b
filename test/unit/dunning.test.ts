/**
 * Dunning as data: the policy's validation (templates, levels), when each level falls in the
 * policy's business hours, and which level is due when several fell.
 */
import { describe, expect, it } from 'vitest';
import { dunningDue, dunningSchedule } from '#functions/orders/domain/dunning';
import { DunningPolicy, renderTemplate, templateProblems } from '#schemas/admin/dunning-policy';

const officeHours = [{ start: '09:00', end: '17:00' }];
const policy = (levels: unknown[]) => ({
  name: 'Standard',
  calendar: {
    timeZone: 'Europe/Berlin',
    week: {
      mon: officeHours,
      tue: officeHours,
      wed: officeHours,
      thu: officeHours,
      fri: officeHours,
      sat: [],
      sun: [],
    },
    holidays: [{ date: '2026-12-25', name: 'Christmas' }],
  },
  levels,
});
const email = (name: string, days: number, extra: Record<string, unknown> = {}) => ({
  name,
  days,
  channel: 'email',
  subject: 'Invoice {{invoice}}',
  body: 'Dear {{customer}}, {{outstanding}} is due on {{dueDate}}.',
  ...extra,
});

describe('a dunning policy', () => {
  it('accepts levels in order of days, each channel with what it needs', () => {
    const parsed = DunningPolicy.safeParse(
      policy([
        email('Friendly', -3),
        { name: 'Text', days: 3, channel: 'sms', body: 'Invoice {{invoice}}: {{outstanding}} overdue.' },
        email('Call', 14, { channel: 'task', assignTo: { type: 'account-owner' }, fee: 5_00 }),
      ]),
    );
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });

  it.each([
    [
      'an unknown field, with where it is',
      [email('A', 1, { body: 'Hi {{name}}' })],
      'unknown field {{name}} at character 4',
    ],
    ['an unclosed placeholder', [email('A', 1, { body: 'Hi {{customer' })], 'unclosed {{'],
    ['levels out of order', [email('A', 5), email('B', 5)], 'must come after the level before (5 days)'],
    ['the same name twice', [email('A', 1), email('A', 2)], 'names another level already'],
    [
      'a task without an assignee',
      [email('A', 1, { channel: 'task' })],
      'a task level names whose task it is',
    ],
    ['an email without a subject', [email('A', 1, { subject: undefined })], 'an email level needs a subject'],
    ['a fee that is not whole', [email('A', 1, { fee: 2.5 })], 'must be a whole amount in minor units'],
    ['no levels', [], 'a policy has at least one level'],
  ])('refuses %s', (_what, levels, message) => {
    const parsed = DunningPolicy.safeParse(policy(levels));
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });

  it('renders only known fields, and reports every problem once', () => {
    expect(
      renderTemplate('{{ customer }} owes {{outstanding}}', { customer: 'Acme', outstanding: '€5.00' }),
    ).toBe('Acme owes €5.00');
    expect(templateProblems('{{a}} and {{b}}')).toHaveLength(2);
    expect(templateProblems('{{customer}} fine')).toEqual([]);
  });
});

describe('when levels fall', () => {
  const parsed = DunningPolicy.parse(
    policy([email('Before', -1), email('On the day', 0), email('Overdue', 1), email('After Christmas', 11)]),
  );
  // Due Thursday 2026-12-17 (Berlin office hours 09:00–17:00, Christmas a holiday).
  const schedule = dunningSchedule(parsed, '2026-12-17');

  it('at the opening of business hours on the level’s day, or the next business day', () => {
    expect(schedule.map((p) => p.at.toISOString())).toEqual([
      '2026-12-16T08:00:00.000Z', // Wednesday 09:00 in Berlin
      '2026-12-17T08:00:00.000Z',
      '2026-12-18T08:00:00.000Z', // Friday
      '2026-12-28T08:00:00.000Z', // Monday the 28th: the 25th a holiday, then a weekend
    ]);
  });

  it('sends only the firmest level that fell, noting the ones it overtook, and wakes for the next', () => {
    const due = dunningDue(schedule, new Set(), new Date('2026-12-18T10:00:00Z'));
    expect(due.send?.level.name).toBe('Overdue');
    expect(due.skip.map((s) => s.level.name)).toEqual(['Before', 'On the day']);
    expect(due.next?.level.name).toBe('After Christmas');
  });

  it('sends nothing twice, and nothing before its time', () => {
    const done = new Set(['Before', 'On the day', 'Overdue']);
    expect(dunningDue(schedule, done, new Date('2026-12-18T10:00:00Z')).send).toBeUndefined();
    expect(dunningDue(schedule, new Set(), new Date('2026-12-16T07:59:59Z'))).toMatchObject({
      skip: [],
      next: { level: { name: 'Before' } },
    });
  });
});
