import { httpHandler } from '../shared/http.ts';
import { HttpProblem, payloadTooLarge } from '../shared/problem.ts';
import { inboundReceiveDeps } from './inbound.wiring.ts';
import { receiveInbound } from './use-cases/inbound.use-case.ts';

/** No source may send more than this; each source's own limit is lower or equal. */
const HARD_LIMIT_BYTES = 262_144;

/**
 * POST /v1/webhooks/inbound/{source}: verified, stored raw, queued, answered 202 at once. The body
 * is read as the bytes that arrived (signatures are over them), never parsed before verifying.
 */
export const handler = httpHandler(async (request) => {
  const { event } = request;
  const body =
    event.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > HARD_LIMIT_BYTES) throw payloadTooLarge(HARD_LIMIT_BYTES);
  const proto = request.headers['x-forwarded-proto'] ?? 'https';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const outcome = await receiveInbound(inboundReceiveDeps(), request.path.source ?? '', {
    method: event.requestContext.http.method,
    url: `${proto}://${request.headers.host ?? event.requestContext.domainName}${event.rawPath}${query}`,
    headers: request.headers,
    body,
  });
  switch (outcome.kind) {
    case 'unknown-source':
      throw new HttpProblem(
        404,
        'unknown-webhook-source',
        'Unknown webhook source',
        'No webhook source is configured with this name.',
      );
    case 'too-large':
      throw payloadTooLarge(outcome.maxBytes);
    case 'refused':
      throw new HttpProblem(
        401,
        'webhook-signature-invalid',
        'Signature not verified',
        `The request was not stored: ${outcome.reason}.`,
      );
    case 'accepted':
      return outcome.duplicate
        ? { status: 200, body: { id: outcome.id, status: 'duplicate', duplicate: true } }
        : { status: 202, body: { id: outcome.id, status: 'queued', duplicate: false } };
  }
});
