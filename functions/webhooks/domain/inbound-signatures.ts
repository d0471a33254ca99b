/**
 * Verifying what other systems send, over the raw body exactly as it arrived, in constant time,
 * with each scheme's own timestamp window:
 *   standard-webhooks  webhook-id / webhook-timestamp / webhook-signature (the `standardwebhooks`
 *                      package's verifier; it allows ±5 minutes)
 *   stripe             Stripe-Signature `t=…,v1=…`: HMAC-SHA256 of `{t}.{body}`, t within the window
 *   github             X-Hub-Signature-256 `sha256=…`: HMAC-SHA256 of the body (GitHub signs no time;
 *                      X-GitHub-Delivery names the event)
 *   hubspot-v3         X-HubSpot-Signature-v3: base64 HMAC-SHA256 of method + URL + body + timestamp,
 *                      X-HubSpot-Request-Timestamp (ms) within the window
 * Each names the provider's event id, which makes a retry a duplicate.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SignatureScheme } from '#schemas/admin/webhook-source';

export interface InboundRequest {
  method: string;
  /** The URL the sender called, as it signed it (HubSpot). */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

export type Verification = { ok: true; providerId: string } | { ok: false; reason: string };

const fail = (reason: string): Verification => ({ ok: false, reason });

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

function withinWindow(seconds: number, now: Date, toleranceSeconds: number): boolean {
  return Number.isFinite(seconds) && Math.abs(now.getTime() / 1000 - seconds) <= toleranceSeconds;
}

function verifyStandard(
  secrets: readonly string[],
  request: InboundRequest,
  now: Date,
  tolerance: number,
): Verification {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  if (!id || !timestamp || !request.headers['webhook-signature'])
    return fail('webhook-id, webhook-timestamp and webhook-signature are required');
  if (!withinWindow(Number(timestamp), now, tolerance))
    return fail('the webhook-timestamp is outside the allowed window');
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(request.body.toString('utf8'), request.headers);
      return { ok: true, providerId: id };
    } catch {
      // the next secret may be the one (a rotation in progress)
    }
  }
  return fail('no webhook-signature matches');
}

function verifyStripe(
  secrets: readonly string[],
  request: InboundRequest,
  now: Date,
  tolerance: number,
): Verification {
  const header = request.headers['stripe-signature'];
  if (!header) return fail('Stripe-Signature is required');
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => Buffer.from(v ?? '', 'hex'));
  if (!t || signatures.length === 0) return fail('Stripe-Signature needs t= and v1=');
  if (!withinWindow(Number(t), now, tolerance))
    return fail('the Stripe-Signature timestamp is outside the allowed window');
  const matched = secrets.some((secret) => {
    const expected = hmac(secret, `${t}.`, request.body);
    return signatures.some((candidate) => sameBytes(candidate, expected));
  });
  if (!matched) return fail('no Stripe-Signature v1 matches');
  let id: unknown;
  try {
    id = (JSON.parse(request.body.toString('utf8')) as { id?: unknown }).id;
  } catch {
    return fail('the body is not JSON');
  }
  return typeof id === 'string' && id ? { ok: true, providerId: id } : fail('the event has no id');
}

function verifyGithub(secrets: readonly string[], request: InboundRequest): Verification {
  const header = request.headers['x-hub-signature-256'];
  const delivery = request.headers['x-github-delivery'];
  if (!header?.startsWith('sha256=')) return fail('X-Hub-Signature-256 is required');
  if (!delivery) return fail('X-GitHub-Delivery is required');
  const candidate = Buffer.from(header.slice(7), 'hex');
  const matched = secrets.some((secret) => sameBytes(candidate, hmac(secret, request.body)));
  return matched ? { ok: true, providerId: delivery } : fail('X-Hub-Signature-256 does not match');
}

function verifyHubspot(
  secrets: readonly string[],
  request: InboundRequest,
  now: Date,
  tolerance: number,
): Verification {
  const signature = request.headers['x-hubspot-signature-v3'];
  const timestamp = request.headers['x-hubspot-request-timestamp'];
  if (!signature || !timestamp)
    return fail('X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required');
  if (!withinWindow(Number(timestamp) / 1000, now, tolerance))
    return fail('the X-HubSpot-Request-Timestamp is outside the allowed window');
  const candidate = Buffer.from(signature, 'base64');
  const matched = secrets.some((secret) =>
    sameBytes(
      candidate,
      hmac(secret, `${request.method.toUpperCase()}${request.url}`, request.body, timestamp),
    ),
  );
  if (!matched) return fail('X-HubSpot-Signature-v3 does not match');
  // HubSpot sends a batch of events per request and retries the same body: the body names it.
  return { ok: true, providerId: `sha256:${createHash('sha256').update(request.body).digest('hex')}` };
}

export function verifyInbound(
  scheme: SignatureScheme,
  secrets: readonly string[],
  request: InboundRequest,
  now: Date,
  toleranceSeconds: number,
): Verification {
  if (secrets.length === 0) return fail('this source has no secret yet');
  switch (scheme) {
    case 'standard-webhooks':
      return verifyStandard(secrets, request, now, toleranceSeconds);
    case 'stripe':
      return verifyStripe(secrets, request, now, toleranceSeconds);
    case 'github':
      return verifyGithub(secrets, request);
    case 'hubspot-v3':
      return verifyHubspot(secrets, request, now, toleranceSeconds);
  }
}
