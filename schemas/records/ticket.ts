import * as z from 'zod';
import { longText, recordId, text } from '../common.ts';

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
