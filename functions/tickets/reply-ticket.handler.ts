import { recordResult, sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { replyToTicket } from './use-cases/reply-ticket.use-case.ts';
import { TICKET } from './use-cases/ticket-writes.ts';
import { replyDeps } from './wiring.ts';

/** POST /v1/tickets/{id}/replies: a reply moves the ticket's status and its SLA clocks. */
export const handler = httpHandler(
  async (request) =>
    recordResult(
      TICKET,
      await replyToTicket(replyDeps(), request.path.id ?? '', request.body, sourceOf(request)),
    ),
  // A mail integration retrying a reply after a timeout must not record it twice.
  { accepts: ['application/json'], idempotency: idempotency() },
);
