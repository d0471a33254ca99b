import * as z from 'zod';
import { CountryCode, recordId, text } from '../common.ts';

export const ACCOUNT_TIERS = ['standard', 'silver', 'gold', 'platinum'] as const;

export const AccountInput = z
  .strictObject({
    name: text(200),
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .max(253)
      .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, {
        error: 'must be a domain name such as example.com',
      })
      .optional(),
    industry: text(100).optional(),
    tier: z
      .enum(ACCOUNT_TIERS)
      .default('standard')
      .meta({ description: 'Customer tier; SLA and approval policies read it' }),
    country: CountryCode.optional(),
    employees: z.int().min(0).max(10_000_000).optional(),
    ownerId: recordId('usr').optional(),
    parentAccountId: recordId('acc').optional(),
    dunningHold: z
      .boolean()
      .optional()
      .meta({ description: 'No payment reminders for this account’s invoices (a dispute, an agreed plan)' }),
  })
  .meta({ id: 'AccountInput' });
