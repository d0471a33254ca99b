/**
 * Standard Webhooks signatures on what Junction sends: `webhook-id` (the event's id, the same on
 * every retry), `webhook-timestamp` (this attempt's time) and `webhook-signature`, one `v1,…` per
 * secret still valid, space-separated, so a receiver holding either secret verifies during a
 * rotation. Signed by the `standardwebhooks` package, which receivers verify with.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface EndpointSecret {
  secret: string;
  /** Absent for the current secret; a rotated-out one signs until then. */
  validUntil?: string;
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The secrets that sign at `now`: the current one and those still in their grace period. */
export function signingSecrets(secrets: readonly EndpointSecret[], now: Date): string[] {
  return secrets
    .filter((s) => !s.validUntil || Date.parse(s.validUntil) > now.getTime())
    .map((s) => s.secret);
}

export function signatureHeaders(
  secrets: readonly string[],
  id: string,
  at: Date,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
}
