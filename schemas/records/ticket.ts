import * as z from 'zod';
import { TicketSla } from '../admin/sla-ticket.ts';
import { IsoDateTime, longText, recordId, text } from '../common.ts';

export const TICKET_PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const TICKET_STATUSES = ['new', 'open', 'pending_customer', 'resolved', 'closed'] as const;

export const TicketInput = z
  .strictObject({
    subject: text(200),
    description: longText(20_000).optional(),
    priority: z.enum(TICKET_PRIORITIES).default('P3'),
    status: z.enum(TICKET_STATUSES).default('new'),
    accountId: recordId('acc').optional(),
    contactId: recordId('con').optional(),
    queueId: recordId('que').optional(),
    ownerId: recordId('usr').optional(),
    channel: z.enum(['email', 'phone', 'web', 'api', 'chat']).default('api'),
  })
  .meta({ id: 'TicketInput' });

/** Fields the server keeps on a ticket: replies, its SLA, the customer's rating. */
export const TicketServerFields = z.object({
  firstRespondedAt: IsoDateTime.optional().meta({ description: 'When an agent first replied' }),
  lastReplyAt: IsoDateTime.optional(),
  lastReplyBy: z.enum(['agent', 'customer']).optional(),
  sla: TicketSla.optional().meta({ description: 'Absent when no SLA policy covered the ticket at creation' }),
  satisfaction: z
    .object({ rating: z.int().min(1).max(5), comment: z.string().optional(), ratedAt: IsoDateTime })
    .optional()
    .meta({ description: "The customer's answer to the satisfaction survey" }),
});

/** A reply on a ticket, as the helpdesk or mail integration reports it. */
export const TicketReply = z
  .strictObject({
    author: z.enum(['agent', 'customer']),
    message: longText(20_000).optional(),
    waitForCustomer: z.boolean().default(false).meta({
      description: 'Agent replies: the ticket waits on the customer; the SLA clocks pause until they answer',
    }),
    resolve: z.boolean().default(false).meta({ description: 'Agent replies: the reply resolves the ticket' }),
  })
  .refine((r) => r.author === 'agent' || (!r.waitForCustomer && !r.resolve), {
    error: 'only an agent reply can wait for the customer or resolve the ticket',
    path: ['author'],
  })
  .refine((r) => !(r.waitForCustomer && r.resolve), {
    error: 'a reply either waits for the customer or resolves, not both',
    path: ['resolve'],
  })
  .meta({ id: 'TicketReply' });
export type TicketReply = z.infer<typeof TicketReply>;
