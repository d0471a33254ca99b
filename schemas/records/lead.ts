import * as z from 'zod';
import { CountryCode, Email, recordId, text } from '../common.ts';
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
    country: CountryCode.optional(),
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
