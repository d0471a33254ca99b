import type { StoredRecord } from '#schemas/common';
import { TicketReply } from '#schemas/records/ticket';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { conflict, parseOrThrow } from '../../shared/errors.ts';
import { writeTicket } from './ticket-writes.ts';

/** Where a reply takes the ticket. */
function statusAfter(current: string, reply: TicketReply): string {
  if (reply.author === 'customer')
    // The customer answered: a ticket waiting on them, or resolved, is worked on again.
    return current === 'pending_customer' || current === 'resolved' ? 'open' : current;
  if (reply.resolve) return 'resolved';
  if (reply.waitForCustomer) return 'pending_customer';
  return current === 'new' ? 'open' : current;
}

/**
 * A reply on a ticket, as the helpdesk or the mail integration reports it.
 * 1. Validate; a closed or archived ticket takes no replies (409).
 * 2. An agent's first reply stops the first-response clock; waiting for the customer pauses
 *    both clocks; resolving stops the resolution clock and starts the auto-close period.
 * 3. A customer's reply resumes the clocks of a ticket waiting on them, and reopens a resolved one.
 * 4. One write: status, reply times, SLA, audit entry (with the message) — then the SLA
 *    workflow's next generation when the schedule moved.
 */
export async function replyToTicket(
  deps: RecordDeps,
  id: string,
  body: unknown,
  source: ChangeSource,
): Promise<StoredRecord> {
  const reply = parseOrThrow(TicketReply, body);
  return writeTicket(
    deps,
    id,
    (current) => {
      if (current.archived)
        throw conflict(
          'archived',
          'Record archived',
          `Ticket ${id} is archived; restore it before replying.`,
        );
      if (current.status === 'closed')
        throw conflict(
          'ticket-closed',
          'Ticket closed',
          `Ticket ${id} is closed and takes no replies; open a new ticket.`,
        );
      const at = deps.now().toISOString();
      const status = statusAfter(String(current.status), reply);
      const first = reply.author === 'agent' && !current.firstRespondedAt;
      const summary =
        reply.author === 'agent'
          ? `Agent replied${first ? ' (first response)' : ''}${reply.resolve ? ' and resolved the ticket' : reply.waitForCustomer ? '; waiting on the customer' : ''}`
          : `Customer replied${status !== current.status ? `; the ticket is ${status} again` : ''}`;
      return {
        fields: {
          status,
          lastReplyAt: at,
          lastReplyBy: reply.author,
          ...(first ? { firstRespondedAt: at } : {}),
        },
        action: 'reply',
        summary,
      };
    },
    reply.message ? { ...source, context: { ...source.context, message: reply.message } } : source,
  );
}
