/**
 * Lead routing as admins own it: points per condition (the score), an ordered list of rules that
 * send a lead to a user, a queue or a territory, a fallback queue, what to do with duplicates,
 * and the follow-up that moves an untouched lead on. One document, versioned: a lead keeps the
 * version it was routed under for its whole follow-up.
 */
import * as z from 'zod';
import { IsoDateTime, longText, recordId, text } from '../common.ts';
import { LeadInput } from '../records/lead.ts';
import { conditionSchema, type FactCatalogue } from './condition.ts';

/** What scoring rules may test about a lead. */
export const LEAD_FACTS = {
  country: { type: 'string', description: 'ISO 3166-1 alpha-2 country code, e.g. DE' },
  employees: { type: 'number', description: 'Company size in employees' },
  company: { type: 'string', description: 'Company name' },
  title: { type: 'string', description: 'Job title' },
  source: { type: 'string', description: 'Where the lead came from, e.g. web-form, trade-show' },
  emailDomain: { type: 'string', description: 'The part of the email address after @' },
  hasEmail: { type: 'boolean', description: 'The lead gave an email address' },
  hasPhone: { type: 'boolean', description: 'The lead gave a phone number' },
  formId: { type: 'string', description: 'The web form it came through (lfm_…), if any' },
} as const satisfies FactCatalogue;

/** What routing rules may test: the lead's facts and its score. */
export const ROUTING_FACTS = {
  ...LEAD_FACTS,
  score: { type: 'number', description: 'The lead score from the scoring rules' },
} as const satisfies FactCatalogue;

export const ScoringRule = z.strictObject({
  name: text(100),
  when: conditionSchema(LEAD_FACTS),
  points: z
    .int()
    .min(-1000)
    .max(1000)
    .meta({ description: 'Added to the score when the condition holds (negative to subtract)' }),
});
export type ScoringRule = z.output<typeof ScoringRule>;

export const QUEUE_STRATEGY_NAMES = ['round-robin', 'least-loaded'] as const;

export const RoutingTarget = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('user'), userId: recordId('usr') }),
  z
    .strictObject({ type: z.literal('queue'), queueId: recordId('que') })
    .meta({ description: 'A member of the queue, by the queue’s own strategy' }),
  z
    .strictObject({
      type: z.literal('territory'),
      territory: text(100),
      strategy: z.enum(QUEUE_STRATEGY_NAMES).default('round-robin'),
    })
    .meta({ description: 'An active sales user whose territory is this one' }),
]);
export type RoutingTarget = z.output<typeof RoutingTarget>;

export const FollowUp = z
  .strictObject({
    afterHours: z.number().min(0.01).max(720),
    action: z
      .enum(['reassign', 'escalate'])
      .meta({ description: 'reassign: the next rep of the same target; escalate: the owner’s manager' }),
    maxAttempts: z.int().min(1).max(10).default(2),
  })
  .meta({ description: 'When the owner logs no contact within afterHours' });
export type FollowUp = z.output<typeof FollowUp>;

export const RoutingRule = z.strictObject({
  name: text(100),
  when: conditionSchema(ROUTING_FACTS)
    .optional()
    .meta({ description: 'Which leads the rule takes; every lead when absent' }),
  assignTo: RoutingTarget,
  hot: z.boolean().default(false).meta({ description: 'Hot leads: the owner is also told by SMS' }),
  followUp: FollowUp.optional(),
});
export type RoutingRule = z.output<typeof RoutingRule>;

export const DuplicateSettings = z
  .strictObject({
    matchOn: z
      .array(z.enum(['email', 'phone']))
      .min(1)
      .max(2)
      .refine((keys) => new Set(keys).size === keys.length, { error: 'must not list a key twice' })
      .default(['email', 'phone']),
    leads: z.enum(['merge', 'link']).default('merge').meta({
      description:
        'merge: fill the open lead’s empty fields and keep one lead; link: create a new lead pointing at it, owned by the same rep',
    }),
    contacts: z.enum(['link', 'ignore']).default('link').meta({
      description: 'link: note the matching contact on the lead and give it to the contact’s owner',
    }),
  })
  .meta({ description: 'A lead whose email or phone matches an open lead or a contact' });
export type DuplicateSettings = z.output<typeof DuplicateSettings>;

export const LeadRouting = z
  .strictObject({
    name: text(100),
    description: longText(1000).optional(),
    scoring: z.array(ScoringRule).max(100).default([]),
    hotScore: z
      .int()
      .min(-100_000)
      .max(100_000)
      .optional()
      .meta({ description: 'Leads scoring at least this are hot, whichever rule routes them' }),
    rules: z
      .array(RoutingRule)
      .max(100)
      .default([])
      .meta({ description: 'In order; the first that matches wins' }),
    fallbackQueueId: recordId('que').meta({
      description: 'Gets the lead when no rule matches or nobody the rule names is available',
    }),
    duplicates: DuplicateSettings.default({ matchOn: ['email', 'phone'], leads: 'merge', contacts: 'link' }),
  })
  .superRefine((routing, ctx) => {
    for (const [list, items] of [
      ['scoring', routing.scoring],
      ['rules', routing.rules],
    ] as const) {
      const names = items.map((r) => r.name.toLowerCase());
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i)
          ctx.addIssue({ code: 'custom', path: [list, i, 'name'], message: 'names must be unique' });
      });
    }
  })
  .meta({ id: 'LeadRouting' });
export type LeadRouting = z.output<typeof LeadRouting>;

/** Body of the routing dry run: a lead that exists, or the fields of one that might arrive. */
export const SimulateRoutingRequest = z
  .strictObject({
    leadId: recordId('led').optional(),
    lead: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Fields as POST /v1/leads takes them', example: { lastName: 'Doe' } }),
    routing: z
      .strictObject({ id: recordId('lrt'), version: z.int().min(1) })
      .optional()
      .meta({ description: 'Try this version (even a draft) instead of the active one' }),
    at: IsoDateTime.optional().meta({ description: 'When the lead would arrive (out-of-office windows)' }),
  })
  .refine((r) => (r.leadId === undefined) !== (r.lead === undefined), {
    error: 'give either leadId or lead',
    path: ['lead'],
  })
  .meta({ id: 'LeadRoutingSimulation' });

/** The lead fields a dry run may be given: a create's body. */
export const SimulatedLead = LeadInput;
