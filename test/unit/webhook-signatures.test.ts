/**
 * Inbound signature schemes over the raw body: each valid signature verifies, and a wrong secret,
 * a body altered by one byte, a timestamp outside the window and missing headers are refused.
 * Outbound signing is checked with the `standardwebhooks` verifier receivers use.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { type InboundRequest, verifyInbound } from '../../functions/webhooks/domain/inbound-signatures.ts';
import { newSecret, signatureHeaders, signingSecrets } from '../../functions/webhooks/domain/signing.ts';

const NOW = new Date('2026-12-03T12:00:00Z');
const seconds = Math.floor(NOW.getTime() / 1000);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PLAIN = 'a-shared-secret-of-some-length';
const body = Buffer.from('{"id":"evt_1","type":"lead.submitted","data":{"email":"ada@example.com"}}');
const url = 'https://crm.example.com/v1/webhooks/inbound/hubspot';

const hmacHex = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const p of parts) mac.update(p);
  return mac.digest('hex');
};
const flipOneByte = (b: Buffer) => {
  const copy = Buffer.from(b);
  copy[10] = (copy[10] ?? 0) ^ 1;
  return copy;
};
const request = (headers: Record<string, string>, raw = body): InboundRequest => ({
  method: 'POST',
  url,
  headers,
  body: raw,
});

const standard = (at = NOW, secret = SECRET, raw = body) => {
  const [sig] = [new Webhook(secret).sign('msg_1', at, raw.toString('utf8'))];
  return request(
    {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': sig ?? '',
    },
    raw,
  );
};
const stripe = (t = seconds, secret = PLAIN, raw = body) =>
  request({ 'stripe-signature': `t=${t},v1=${hmacHex(secret, `${t}.`, raw)},v0=ignored` }, raw);
const github = (secret = PLAIN, raw = body) =>
  request(
    { 'x-hub-signature-256': `sha256=${hmacHex(secret, raw)}`, 'x-github-delivery': 'delivery-1' },
    raw,
  );
const hubspot = (ms = NOW.getTime(), secret = PLAIN, raw = body) =>
  request(
    {
      'x-hubspot-signature-v3': createHmac('sha256', secret)
        .update(`POST${url}`)
        .update(raw)
        .update(String(ms))
        .digest('base64'),
      'x-hubspot-request-timestamp': String(ms),
    },
    raw,
  );

describe('inbound signatures', () => {
  it('accepts each scheme’s valid signature and names the provider’s event id', () => {
    // standardwebhooks checks its own clock too: sign with the real now for that scheme.
    const real = new Date();
    expect(verifyInbound('standard-webhooks', [SECRET], standard(real), real, 300)).toEqual({
      ok: true,
      providerId: 'msg_1',
    });
    expect(verifyInbound('stripe', [PLAIN], stripe(), NOW, 300)).toEqual({ ok: true, providerId: 'evt_1' });
    expect(verifyInbound('github', [PLAIN], github(), NOW, 300)).toEqual({
      ok: true,
      providerId: 'delivery-1',
    });
    const hub = verifyInbound('hubspot-v3', [PLAIN], hubspot(), NOW, 300);
    expect(hub.ok && hub.providerId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses a body altered by one byte under every scheme', () => {
    const real = new Date();
    const altered = flipOneByte(body);
    const signedThenAltered = (r: InboundRequest): InboundRequest => ({ ...r, body: altered });
    expect(
      verifyInbound('standard-webhooks', [SECRET], signedThenAltered(standard(real)), real, 300).ok,
    ).toBe(false);
    expect(verifyInbound('stripe', [PLAIN], signedThenAltered(stripe()), NOW, 300).ok).toBe(false);
    expect(verifyInbound('github', [PLAIN], signedThenAltered(github()), NOW, 300).ok).toBe(false);
    expect(verifyInbound('hubspot-v3', [PLAIN], signedThenAltered(hubspot()), NOW, 300).ok).toBe(false);
  });

  it('refuses a signature made with another secret, and verifies with the previous one during a rotation', () => {
    const real = new Date();
    const other = newSecret();
    expect(verifyInbound('standard-webhooks', [other], standard(real), real, 300).ok).toBe(false);
    expect(verifyInbound('standard-webhooks', [other, SECRET], standard(real), real, 300).ok).toBe(true);
    expect(verifyInbound('stripe', ['another-secret-entirely'], stripe(), NOW, 300).ok).toBe(false);
    expect(verifyInbound('github', ['another-secret-entirely', PLAIN], github(), NOW, 300).ok).toBe(true);
  });

  it('refuses timestamps outside the window: six minutes old, or six minutes ahead', () => {
    for (const shift of [-360, 360]) {
      const at = new Date(NOW.getTime() + shift * 1000);
      const standardResult = verifyInbound('standard-webhooks', [SECRET], standard(at), NOW, 300);
      expect(standardResult).toEqual({
        ok: false,
        reason: 'the webhook-timestamp is outside the allowed window',
      });
      expect(verifyInbound('stripe', [PLAIN], stripe(seconds + shift), NOW, 300).ok).toBe(false);
      expect(verifyInbound('hubspot-v3', [PLAIN], hubspot(NOW.getTime() + shift * 1000), NOW, 300).ok).toBe(
        false,
      );
    }
    // Four minutes is inside.
    expect(verifyInbound('stripe', [PLAIN], stripe(seconds - 240), NOW, 300).ok).toBe(true);
  });

  it('refuses requests without the scheme’s headers, or a source with no secret yet', () => {
    expect(verifyInbound('standard-webhooks', [SECRET], request({}), NOW, 300).ok).toBe(false);
    expect(verifyInbound('stripe', [PLAIN], request({ 'stripe-signature': 'garbage' }), NOW, 300).ok).toBe(
      false,
    );
    expect(
      verifyInbound('github', [PLAIN], request({ 'x-hub-signature-256': 'sha1=abc' }), NOW, 300).ok,
    ).toBe(false);
    expect(verifyInbound('hubspot-v3', [PLAIN], request({}), NOW, 300).ok).toBe(false);
    expect(verifyInbound('github', [], github(), NOW, 300)).toEqual({
      ok: false,
      reason: 'this source has no secret yet',
    });
  });
});

describe('outbound signatures', () => {
  it('signs with every valid secret, and the receiver verifies with either', () => {
    const current = newSecret();
    const old = newSecret();
    const at = new Date();
    const secrets = signingSecrets(
      [{ secret: current }, { secret: old, validUntil: new Date(at.getTime() + 60_000).toISOString() }],
      at,
    );
    const payload = '{"id":"evt_1"}';
    const headers = signatureHeaders(secrets, 'evt_1', at, payload);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [current, old])
      expect(new Webhook(secret).verify(payload, headers)).toEqual({ id: 'evt_1' });
    expect(() => new Webhook(newSecret()).verify(payload, headers)).toThrow();
  });

  it('stops signing with a rotated-out secret once its grace period ends', () => {
    const at = new Date();
    const secrets = signingSecrets(
      [{ secret: 'whsec_a' }, { secret: 'whsec_b', validUntil: new Date(at.getTime() - 1).toISOString() }],
      at,
    );
    expect(secrets).toEqual(['whsec_a']);
  });
});
