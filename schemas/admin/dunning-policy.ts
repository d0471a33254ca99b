/**
 * A dunning policy: the reminders an unpaid invoice gets, as data admins own (docs/dunning.md).
 * Levels are days relative to the invoice's due date (negative: before it), each sent by email,
 * SMS or as a task for a person, from a template, with an optional fee. Reminders go out in the
 * policy's business hours: a level due on a Sunday goes out on Monday morning.
 *
 * Templates are plain text with `{{field}}` placeholders from DUNNING_FIELDS only; anything else
 * is refused at save, with where it is. The rendered text is escaped in the HTML part.
 */
import * as z from 'zod';
import { IsoDate, longText, recordId, text } from '../common.ts';
import { BusinessCalendar } from './sla-policy.ts';

/** What a template may say, and what each stands for. */
export const DUNNING_FIELDS = {
  customer: 'The account’s name',
  invoice: 'The invoice id',
  amount: 'What the invoice billed, with its currency',
  outstanding: 'What is still owed on it, with its currency',
  dueDate: 'The due date (YYYY-MM-DD)',
  daysOverdue: 'Days since the due date (negative: days until it)',
  fee: 'This level’s fee, with its currency (empty without one)',
  total: 'Outstanding plus every fee charged so far',
  level: 'This level’s name',
} as const;
export type DunningField = keyof typeof DUNNING_FIELDS;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Unknown or broken placeholders in a template, each with its offset. */
export function templateProblems(template: string): { at: number; message: string }[] {
  const problems: { at: number; message: string }[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!(name in DUNNING_FIELDS))
      problems.push({
        at: match.index ?? 0,
        message: `unknown field {{${name}}} at character ${(match.index ?? 0) + 1}; known: ${Object.keys(DUNNING_FIELDS).join(', ')}`,
      });
  }
  const unmatched = template.replace(PLACEHOLDER, '').search(/\{\{|\}\}/);
  if (unmatched >= 0) problems.push({ at: unmatched, message: 'has an unclosed {{ or a stray }}' });
  return problems;
}

/** Fills a checked template; a field without a value becomes empty. */
export function renderTemplate(template: string, values: Partial<Record<DunningField, string>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => values[name as DunningField] ?? '');
}

const Template = (max: number, lineBreaks: boolean) =>
  (lineBreaks ? longText(max) : text(max)).superRefine((value, ctx) => {
    for (const problem of templateProblems(value)) ctx.addIssue({ code: 'custom', message: problem.message });
  });

export const DUNNING_CHANNELS = ['email', 'sms', 'task'] as const;

export const DunningLevel = z
  .strictObject({
    name: text(100),
    days: z
      .int({ error: 'must be a whole number of days' })
      .min(-60)
      .max(365)
      .meta({ description: 'Days after the due date (negative: before it)' }),
    channel: z.enum(DUNNING_CHANNELS).meta({
      description:
        'email and sms go to the order’s contact; a task is emailed to the person named in assignTo',
    }),
    subject: Template(200, false).optional().meta({ description: 'Email and task subject' }),
    body: Template(4000, true),
    fee: z.int({ error: 'must be a whole amount in minor units' }).min(1).max(100_000_00).optional().meta({
      description: 'A fee in the invoice’s currency, minor units; charged once, when the level is sent',
    }),
    assignTo: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('user'), userId: recordId('usr') }),
        z.strictObject({ type: z.literal('account-owner') }),
      ])
      .optional()
      .meta({ description: 'Whose task it is (channel task only)' }),
  })
  .superRefine((level, ctx) => {
    if (level.channel !== 'sms' && !level.subject)
      ctx.addIssue({
        code: 'custom',
        path: ['subject'],
        message: `${level.channel === 'email' ? 'an email' : 'a task'} level needs a subject`,
      });
    if (level.channel === 'task' && !level.assignTo)
      ctx.addIssue({ code: 'custom', path: ['assignTo'], message: 'a task level names whose task it is' });
    if (level.channel !== 'task' && level.assignTo)
      ctx.addIssue({ code: 'custom', path: ['assignTo'], message: 'only a task level is assigned' });
    if (level.channel === 'sms' && level.body.length > 480)
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'an SMS body has at most 480 characters' });
  })
  .meta({ id: 'DunningLevel' });
export type DunningLevel = z.infer<typeof DunningLevel>;

export const DunningPolicy = z
  .strictObject({
    name: text(100),
    description: longText(2000).optional(),
    calendar: BusinessCalendar.meta({ description: 'When reminders may go out' }),
    levels: z
      .array(DunningLevel)
      .min(1, { error: 'a policy has at least one level' })
      .max(10)
      .superRefine((levels, ctx) => {
        levels.forEach((level, i) => {
          const before = levels[i - 1];
          if (before && level.days <= before.days)
            ctx.addIssue({
              code: 'custom',
              path: [i, 'days'],
              message: `must come after the level before (${before.days} days)`,
            });
          if (levels.findIndex((l) => l.name === level.name) !== i)
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'names another level already' });
        });
      }),
  })
  .meta({ id: 'DunningPolicy' });
export type DunningPolicy = z.infer<typeof DunningPolicy>;

/** Body of the dunning dry run: an existing invoice, or the facts of one. */
export const SimulateDunningRequest = z
  .strictObject({
    invoiceId: recordId('inv').optional(),
    invoice: z
      .strictObject({
        dueDate: IsoDate,
        amount: z.int().min(1),
        currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as EUR' }),
        outstanding: z.int().min(0).optional(),
        customer: text(200).optional(),
      })
      .optional(),
    policy: z
      .strictObject({ id: recordId('dun'), version: z.int().min(1) })
      .optional()
      .meta({ description: 'Try this version (even a draft) instead of the active policy' }),
  })
  .refine((r) => (r.invoiceId === undefined) !== (r.invoice === undefined), {
    error: 'give either invoiceId or invoice, not both',
    path: ['invoiceId'],
  })
  .meta({ id: 'DunningSimulation' });

/** An invoice's own dunning state (invoice server fields). */
export const InvoiceDunning = z
  .object({
    policy: z.object({ id: z.string(), version: z.int(), name: z.string() }).optional(),
    hold: z.object({ reason: z.string(), by: z.string(), at: z.string() }).optional(),
    sent: z.array(
      z.object({
        level: z.string(),
        channel: z.enum(DUNNING_CHANNELS),
        at: z.string(),
        status: z.enum(['sent', 'skipped', 'not-sent']),
        to: z.string().optional(),
        fee: z.int().optional(),
        reason: z.string().optional(),
      }),
    ),
    fees: z.int().meta({ description: 'Fees charged by reminders so far, minor units' }),
  })
  .meta({ id: 'InvoiceDunning' });

export const DunningHoldInput = z
  .strictObject({ hold: z.boolean(), reason: text(500).optional() })
  .refine((h) => !h.hold || h.reason !== undefined, { error: 'say why dunning is held', path: ['reason'] })
  .meta({ id: 'DunningHoldInput' });
