import { FORM_TYPE, httpHandler } from '../shared/http.ts';
import { wantsHtml } from '../shared/public-page.ts';
import { linkDecisionResult, MAX_FORM_BYTES } from './approval-link-http.ts';
import { decideByLink } from './use-cases/approval-link.use-case.ts';
import { settleDeps } from './wiring.ts';

/** POST /approvals/{id}: the confirm page's form decides. */
export const handler = httpHandler(
  async (request) => {
    const linkId = request.path.id ?? '';
    const decided = await decideByLink(settleDeps(), linkId, {
      body: request.body,
      ip: request.client.ip,
      userAgent: request.client.userAgent,
    });
    return linkDecisionResult(decided, linkId, wantsHtml(request.headers));
  },
  { accepts: [FORM_TYPE, 'application/json'], maxBodyBytes: MAX_FORM_BYTES },
);
