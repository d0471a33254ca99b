import * as z from 'zod';
import { IsoDateTime, recordId } from '../common.ts';
import { ACCOUNT_TIERS } from '../records/account.ts';
import { TICKET_PRIORITIES } from '../records/ticket.ts';

/** Body of the SLA dry run: an existing ticket, or the facts of one that might be created. */
export const SimulateSlaRequest = z
  .strictObject({
    ticketId: recordId('tkt')
      .optional()
      .meta({ description: 'An existing ticket; its priority, account and queue' }),
    ticket: z
      .strictObject({
        priority: z.enum(TICKET_PRIORITIES).default('P3'),
        accountId: recordId('acc').optional(),
        tier: z
          .enum(ACCOUNT_TIERS)
          .optional()
          .meta({ description: "Instead of an account: the customer's tier" }),
        queueId: recordId('que').optional(),
      })
      .refine((t) => !(t.accountId && t.tier), { error: 'give accountId or tier, not both', path: ['tier'] })
      .optional(),
    createdAt: IsoDateTime.optional().meta({
      description: 'When the ticket is (or was) created; default now',
    }),
    policy: z
      .strictObject({ id: recordId('slp'), version: z.int().min(1) })
      .optional()
      .meta({ description: 'Try this version (even a draft) instead of the active policies' }),
  })
  .refine((r) => (r.ticketId === undefined) !== (r.ticket === undefined), {
    error: 'give either ticketId or ticket, not both',
    path: ['ticketId'],
  })
  .meta({ id: 'SlaSimulation' });
export type SimulateSlaRequest = z.infer<typeof SimulateSlaRequest>;
