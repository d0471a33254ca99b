import { FORM_TYPE, httpHandler } from '../shared/http.ts';
import { decideByLink, MAX_FORM_BYTES } from './use-cases/approval-link.use-case.ts';
import { settleDeps } from './wiring.ts';

/** A form post comes from a browser, which is answered with pages; JSON callers get JSON. */
const wantsHtml = (headers: Record<string, string>) =>
  headers['content-type']?.toLowerCase().startsWith(FORM_TYPE) === true ||
  (headers.accept ?? '').toLowerCase().includes('text/html');

/** POST /approvals/{id}: the confirm page's form decides. */
export const handler = httpHandler(
  async (request) =>
    decideByLink(settleDeps(), request.path.id ?? '', {
      body: request.body,
      wantsHtml: wantsHtml(request.headers),
      ip: request.client.ip,
      userAgent: request.client.userAgent,
    }),
  { accepts: [FORM_TYPE, 'application/json'], maxBodyBytes: MAX_FORM_BYTES },
);
