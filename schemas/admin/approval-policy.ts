/**
 * A quote approval policy: which quotes it covers, the steps they go through, who approves each
 * step, how many must agree, and what happens when nobody answers. Admins own it as data.
 */
import * as z from 'zod';
import { longText, Role, recordId, text } from '../common.ts';
import { conditionSchema, type FactCatalogue } from './condition.ts';

/** What a policy may test about a quote. */
export const QUOTE_FACTS = {
  discountPercent: {
    type: 'number',
    description:
      'Overall discount against list price, % (unknown when a line has no list price: hasCustomLines)',
  },
  maxLineDiscountPercent: {
    type: 'number',
    description: 'Largest single line discount, % (unknown when a line has no list price)',
  },
  hasCustomLines: {
    type: 'boolean',
    description: 'A line has no catalogue list price in the quote currency (free text, or another currency)',
  },
  marginKnown: { type: 'boolean', description: 'Every line has a cost, so marginPercent is known' },
  total: { type: 'number', description: 'Total incl. tax, minor units' },
  net: { type: 'number', description: 'Net total before tax, minor units' },
  marginPercent: { type: 'number', description: 'Margin against cost, % (absent when a line has no cost)' },
  currency: { type: 'string', description: 'ISO 4217 code' },
  productFamilies: { type: 'string[]', description: 'Families of the products on the quote' },
  accountTier: { type: 'string', description: 'Tier of the quoted account' },
  accountCountry: { type: 'string', description: 'Country of the quoted account' },
  lineCount: { type: 'number', description: 'Number of lines' },
} as const satisfies FactCatalogue;

export const QuoteCondition = conditionSchema(QUOTE_FACTS);

export const Approver = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('user'), userId: recordId('usr') }),
  z.strictObject({ type: z.literal('role'), role: Role }),
  z
    .strictObject({ type: z.literal('manager'), level: z.int().min(1).max(5) })
    .meta({ description: "The submitter's manager (level 1), their manager (level 2)…" }),
  z.strictObject({ type: z.literal('queue'), queueId: recordId('que') }),
]);
export type Approver = z.infer<typeof Approver>;

export const ApprovalMode = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('any') }).meta({ description: 'One approval settles the step' }),
  z.strictObject({ type: z.literal('all') }).meta({ description: 'Every approver must approve' }),
  z.strictObject({ type: z.literal('quorum'), count: z.int().min(1).max(20) }),
]);

export const StepTimeout = z
  .strictObject({
    afterHours: z.number().min(0.05).max(720),
    action: z.enum(['remind', 'escalate', 'auto-reject', 'auto-approve']),
    maxReminders: z
      .int()
      .min(1)
      .max(10)
      .default(2)
      .meta({ description: 'For remind: how many reminders at most' }),
    reminderEveryHours: z
      .number()
      .min(0.05)
      .max(168)
      .optional()
      .meta({ description: 'Spacing of reminders; defaults to afterHours' }),
  })
  .meta({ description: 'What happens when the step is still undecided after afterHours' });

export const ApprovalStep = z
  .strictObject({
    name: text(100),
    when: QuoteCondition.optional().meta({
      description: 'Entry condition; the step is skipped when it does not hold',
    }),
    approvers: z.array(Approver).min(1).max(20),
    mode: ApprovalMode.default({ type: 'any' }),
    timeout: StepTimeout.optional(),
  })
  .superRefine((step, ctx) => {
    if (step.mode.type === 'quorum' && step.mode.count > step.approvers.length * 50) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode', 'count'],
        message: 'the quorum is larger than the approvers could ever give',
      });
    }
  });

export const ApprovalPolicy = z
  .strictObject({
    name: text(100),
    description: longText(1000).optional(),
    appliesWhen: QuoteCondition.optional().meta({
      description: 'Which quotes the policy covers; all when absent',
    }),
    priority: z
      .int()
      .min(0)
      .max(1000)
      .default(100)
      .meta({ description: 'Among active policies that apply, the lowest number wins' }),
    steps: z.array(ApprovalStep).min(1).max(10),
    fallbackApproverId: recordId('usr').meta({
      description: 'Asked whenever an approver cannot be resolved (no manager, inactive user, empty queue)',
    }),
    linkValidityHours: z.number().min(1).max(72).default(72),
    whenUnknown: z.enum(['ask', 'skip']).default('ask').meta({
      description:
        'A condition on a fact the quote does not have (a discount with custom lines, a margin without costs): ask = the policy or step applies (safe), skip = it does not',
    }),
  })
  .superRefine((policy, ctx) => {
    const names = policy.steps.map((s) => s.name.toLowerCase());
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'name'], message: 'step names must be unique' });
    });
  })
  .meta({ id: 'ApprovalPolicy' });
export type ApprovalPolicy = z.output<typeof ApprovalPolicy>;
