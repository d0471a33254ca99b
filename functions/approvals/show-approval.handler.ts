import { httpHandler } from '../shared/http.ts';
import { linkPageResult } from './approval-link-http.ts';
import { showApprovalLink } from './use-cases/approval-link.use-case.ts';
import { settleDeps } from './wiring.ts';

/** GET and HEAD /approvals/{id}: renders, never writes. */
export const handler = httpHandler(async (request) => {
  const linkId = request.path.id ?? '';
  const shown = await showApprovalLink(settleDeps(), linkId, {
    justDecided: request.query.done !== undefined,
  });
  return linkPageResult(shown, linkId, request.event.requestContext.http.method);
});
