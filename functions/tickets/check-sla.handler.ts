import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { checkTicketSla } from './use-cases/check-sla.use-case.ts';
import { ticketDeps } from './wiring.ts';

const CheckInput = z.object({
  ticketId: z.string().regex(/^tkt_[0-9A-HJKMNP-TV-Z]{26}$/),
  generation: z.int().min(1),
  wokeFor: z.iso.datetime({ offset: true }).nullable(),
});

/** The ticket-sla workflow's task: re-read the ticket, act on what is due, say what comes next. */
export const handler = taskHandler(CheckInput, (input) => checkTicketSla(ticketDeps(), input), {
  correlationId: (input) => input.ticketId,
});
