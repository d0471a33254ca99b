import * as z from 'zod';
import { CountryCode, Email, IsoDateTime, longText, recordId, text } from '../common.ts';
import { Phone } from '../phone.ts';

export const LEAD_STATUSES = ['new', 'working', 'qualified', 'disqualified', 'converted'] as const;

export const LeadInput = z
  .strictObject({
    firstName: text(100).optional(),
    lastName: text(100),
    email: Email.optional(),
    phone: Phone.optional(),
    company: text(200).optional(),
    title: text(100).optional(),
    // Forms and imports send "de" as often as "DE"; stored upper-case.
    country: z.string().trim().toUpperCase().pipe(CountryCode).optional(),
    employees: z.int().min(0).max(10_000_000).optional(),
    source: text(100)
      .optional()
      .meta({ description: 'Where the lead came from, e.g. "web-form", "trade-show"' }),
    status: z.enum(LEAD_STATUSES).default('new'),
    ownerId: recordId('usr').optional(),
    queueId: recordId('que').optional(),
  })
  .refine((lead) => lead.email !== undefined || lead.phone !== undefined, {
    error: 'a lead needs an email or a phone number',
    path: ['email'],
  })
  .meta({ id: 'LeadInput' });

/** Statuses in which a lead is still being worked: it counts towards its owner's load. */
export const OPEN_LEAD_STATUSES = ['new', 'working', 'qualified'] as const;

export const ScoreLine = z.object({
  rule: z.string(),
  points: z.int(),
  why: z.array(z.string()).meta({ description: 'The comparisons that made the rule hold' }),
});

/** How the lead was routed, in words and in parts. */
export const LeadRoutingOutcome = z
  .object({
    document: z.object({ id: z.string(), version: z.int() }).optional(),
    rule: z
      .string()
      .nullable()
      .meta({ description: 'The rule that matched; null when the fallback took it' }),
    ruleIndex: z.int().nullable(),
    target: z.string().meta({ description: 'queue Inbound EMEA, territory EMEA, user Ana Seller …' }),
    strategy: z.string().optional(),
    explanation: z.string().meta({
      description:
        "rule 'EMEA enterprise' matched: country DE ∈ [DE, AT, CH], employees 1200 ≥ 500; round-robin in queue EMEA → Ana",
    }),
    assignedAt: IsoDateTime,
    attempt: z
      .int()
      .min(0)
      .meta({ description: '0 when first routed; +1 per follow-up reassignment or escalation' }),
    followUpHours: z
      .number()
      .optional()
      .meta({ description: 'The owner has this long to log a contact before the lead moves on' }),
    by: z
      .enum(['routing', 'follow-up', 'escalation', 'duplicate', 'contact', 'caller'])
      .meta({ description: 'What gave the current owner the lead' }),
  })
  .meta({ id: 'LeadRoutingOutcome' });
export type LeadRoutingOutcome = z.infer<typeof LeadRoutingOutcome>;

/** Fields the server keeps on a lead: intake, scoring and routing fill them, never a create body. */
export const LeadServerFields = z.object({
  score: z.int().optional(),
  scoreBreakdown: z.array(ScoreLine).optional(),
  hot: z.boolean().optional(),
  routing: LeadRoutingOutcome.optional(),
  duplicateOfId: z
    .string()
    .optional()
    .meta({ description: 'The open lead this one duplicates (linked, not merged)' }),
  matchedContactId: z.string().optional().meta({ description: 'A contact with the same email or phone' }),
  lastContactAt: IsoDateTime.optional().meta({ description: 'When the owner last logged a contact' }),
});
export const LEAD_SERVER_FIELDS = Object.keys(LeadServerFields.shape);

export const CONTACT_KINDS = ['call', 'email', 'meeting', 'sms'] as const;

/** Body of POST /v1/leads/{id}/contacts: the owner reached the lead (what a follow-up waits for). */
export const LeadContactActivity = z
  .strictObject({
    kind: z.enum(CONTACT_KINDS),
    summary: longText(2000).optional(),
    at: IsoDateTime.optional().meta({ description: 'When the contact happened; now when absent' }),
  })
  .meta({ id: 'LeadContactActivity' });
