import { httpHandler } from '../shared/http.ts';
import { showApprovalLink } from './use-cases/approval-link.use-case.ts';
import { settleDeps } from './wiring.ts';

/** GET and HEAD /approvals/{id}: renders, never writes. */
export const handler = httpHandler(async (request) =>
  showApprovalLink(settleDeps(), request.path.id ?? '', {
    method: request.event.requestContext.http.method,
    justDecided: request.query.done !== undefined,
  }),
);
