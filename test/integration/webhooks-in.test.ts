/**
 * Inbound webhooks on the hub: sources configured as admin documents with their secrets in the
 * local SSM; each scheme's valid signature accepted, stored raw, queued (the SQS stand-in) and
 * processed — a lead through the intake, an ERP payment into the ledger — and every bad
 * signature, old timestamp, altered byte, unknown source or oversized body refused with nothing
 * stored. A provider's retry takes effect once; a message that fails every retry is listed as
 * failed, and an admin's replay completes it.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { eventually } from '../support/lead-routing.ts';
import { customer } from '../support/orders.ts';

let hub: TestHub;
const SECRETS = {
  leads: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  stripe: 'whsec_stripe_test_secret_0123456789',
  github: 'github-webhook-secret-0123456789',
  hubspot: 'hubspot-app-client-secret-0123456789',
  erp: 'whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY',
};

async function source(slug: string, scheme: string, mapping: string, extra: Record<string, unknown> = {}) {
  const made = await hub.api.post('/v1/admin/webhook-sources', {
    content: { name: slug, source: slug, scheme, mapping, ...extra },
    activate: true,
  });
  expect(made.status, made.text).toBe(201);
  const secret = await hub.api.put(`/v1/webhooks/sources/${slug}/secret`, {
    secret: SECRETS[slug as keyof typeof SECRETS],
  });
  expect(secret.status, secret.text).toBe(200);
}

beforeAll(async () => {
  hub = await startTestHub({ events: true, timeScale: 1000 });
  await source('leads', 'standard-webhooks', 'lead');
  await source('stripe', 'stripe', 'store');
  await source('github', 'github', 'store', { maxBodyBytes: 1024 });
  await source('hubspot', 'hubspot-v3', 'store');
  await source('erp', 'standard-webhooks', 'erp');
});
afterAll(() => hub?.stop());

const inboundUrl = (slug: string) => `${hub.urls.api}/v1/webhooks/inbound/${slug}`;
const post = (slug: string, body: string | Buffer, headers: Record<string, string>) =>
  fetch(inboundUrl(slug), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

function standardHeaders(secret: string, id: string, body: string, at = new Date()) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** Every stored inbound message, in any state: what "nothing was stored" is checked against. */
async function allMessages(): Promise<{ id: string; status: string }[]> {
  const states = ['received', 'processed', 'failed'];
  const pages = await Promise.all(
    states.map((s) => hub.api.get(`/v1/webhooks/inbound-messages?status=${s}&limit=100`)),
  );
  return pages.flatMap((p) => p.body.items);
}

const processed = (id: string) =>
  eventually(
    async () => {
      const message = await hub.api.get(`/v1/webhooks/inbound-messages/${id}`);
      return message.body.status === 'processed' ? message.body : undefined;
    },
    20_000,
    `message ${id} processed`,
  );

describe('inbound webhooks', () => {
  it('takes a signed lead, answers 202 at once, and creates the lead through the intake once — however often it is sent', async () => {
    const body = JSON.stringify({
      type: 'lead.submitted',
      timestamp: new Date().toISOString(),
      data: { firstName: 'Grace', lastName: 'Hopper', email: 'grace.hopper@navy.example', company: 'Navy' },
    });
    const headers = standardHeaders(SECRETS.leads, 'msg_lead_1', body);
    const first = await post('leads', body, headers);
    expect(first.status).toBe(202);
    const accepted = (await first.json()) as { id: string; duplicate: boolean };
    expect(accepted.duplicate).toBe(false);
    const message = await processed(accepted.id);
    expect(message.result).toMatchObject({ outcome: 'created' });
    const lead = await hub.api.get(`/v1/leads/${message.result.leadId}`);
    expect(lead.body).toMatchObject({ email: 'grace.hopper@navy.example', company: 'Navy' });

    // The provider retries (same webhook-id), and once more with a fresh signature: one lead.
    const again = await post('leads', body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: accepted.id, duplicate: true });
    const resigned = await post('leads', body, standardHeaders(SECRETS.leads, 'msg_lead_1', body));
    expect(resigned.status).toBe(200);
    const history = await hub.api.get(`/v1/leads/${message.result.leadId}/history`);
    expect(history.body.items.filter((e: { action: string }) => e.action === 'create')).toHaveLength(1);
  });

  it('refuses a bad signature, an old timestamp and a body altered by one byte, storing nothing', async () => {
    const before = await allMessages();
    const body = JSON.stringify({ data: { firstName: 'Mallory', email: 'mallory@evil.example' } });
    const wrongSecret = standardHeaders('whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldZ', 'msg_bad_1', body);
    const old = standardHeaders(SECRETS.leads, 'msg_bad_2', body, new Date(Date.now() - 6 * 60_000));
    const signed = standardHeaders(SECRETS.leads, 'msg_bad_3', body);
    const altered = body.replace('Mallory', 'Mallorz');
    for (const [what, response] of [
      ['wrong secret', await post('leads', body, wrongSecret)],
      ['old timestamp', await post('leads', body, old)],
      ['one byte altered', await post('leads', altered, signed)],
      ['no signature', await post('leads', body, {})],
    ] as const) {
      expect(response.status, what).toBe(401);
      const problem = (await response.json()) as { type: string; detail: string };
      expect(problem.type, what).toBe('/problems/webhook-signature-invalid');
    }
    expect(await allMessages()).toEqual(before);
    const leads = await hub.api.get('/v1/leads?limit=100');
    expect(JSON.stringify(leads.body)).not.toContain('mallory@evil.example');
  });

  it('verifies Stripe, GitHub and HubSpot v3 signatures, and refuses each one forged', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stripeBody = JSON.stringify({ id: `evt_${now}`, type: 'invoice.paid', data: { object: {} } });
    const stripeSig = (secret: string) =>
      `t=${now},v1=${createHmac('sha256', secret).update(`${now}.${stripeBody}`).digest('hex')}`;
    expect((await post('stripe', stripeBody, { 'stripe-signature': stripeSig(SECRETS.stripe) })).status).toBe(
      202,
    );
    expect(
      (await post('stripe', stripeBody, { 'stripe-signature': stripeSig('not-the-secret') })).status,
    ).toBe(401);

    const githubBody = JSON.stringify({ action: 'opened', number: 7 });
    const githubSig = (secret: string) =>
      `sha256=${createHmac('sha256', secret).update(githubBody).digest('hex')}`;
    const githubHeaders = (secret: string) => ({
      'x-hub-signature-256': githubSig(secret),
      'x-github-delivery': `delivery-${now}`,
      'x-github-event': 'pull_request',
    });
    expect((await post('github', githubBody, githubHeaders(SECRETS.github))).status).toBe(202);
    expect((await post('github', githubBody, githubHeaders('not-the-secret'))).status).toBe(401);

    const hubspotBody = JSON.stringify([
      { eventId: now, subscriptionType: 'contact.creation', objectId: 42 },
    ]);
    const ms = String(Date.now());
    const hubspotSig = (secret: string) =>
      createHmac('sha256', secret)
        .update(`POST${inboundUrl('hubspot')}${hubspotBody}${ms}`)
        .digest('base64');
    expect(
      (
        await post('hubspot', hubspotBody, {
          'x-hubspot-signature-v3': hubspotSig(SECRETS.hubspot),
          'x-hubspot-request-timestamp': ms,
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await post('hubspot', hubspotBody, {
          'x-hubspot-signature-v3': hubspotSig('not-the-secret'),
          'x-hubspot-request-timestamp': ms,
        })
      ).status,
    ).toBe(401);
  });

  it('answers an unknown source 404 and an oversized body 413, storing nothing', async () => {
    const before = await allMessages();
    const body = JSON.stringify({ hello: 'world' });
    const unknown = await post('nobody', body, standardHeaders(SECRETS.leads, 'msg_x', body));
    expect(unknown.status).toBe(404);
    const big = JSON.stringify({ pad: 'x'.repeat(2048) });
    const oversized = await post('github', big, {
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.github).update(big).digest('hex')}`,
      'x-github-delivery': 'delivery-big',
    });
    expect(oversized.status).toBe(413);
    expect(await allMessages()).toEqual(before);
  });

  it('records an ERP payment in the ledger; one that arrives before its invoice fails, is listed, and an admin’s replay completes it', async () => {
    const buyer = await customer(hub, { seat: 100_00, workshop: 50_00 });
    const quoteId = await buyer.approvedQuote(1);
    const order = (await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'finance' })).body;
    const erpInvoice = `SINV-WH-${Date.now()}`;
    const paymentBody = JSON.stringify({
      type: 'payment.received',
      data: { invoice: erpInvoice, amount: 150_00, currency: 'EUR', externalId: `PE-${erpInvoice}` },
    });
    const sent = await post(
      'erp',
      paymentBody,
      standardHeaders(SECRETS.erp, `pay-${erpInvoice}`, paymentBody),
    );
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };

    // Every retry fails (the invoice is unknown): the queue gives up and the message is listed as failed.
    const failed = await eventually(
      async () => {
        const message = (await hub.api.get(`/v1/webhooks/inbound-messages/${id}`)).body;
        return message.status === 'failed' && message.attempts >= 5 ? message : undefined;
      },
      30_000,
      'the payment message failed every retry',
    );
    expect(failed.error).toContain(`no invoice is known as ${erpInvoice}`);
    const listed = await hub.api.get('/v1/webhooks/inbound-messages?status=failed');
    expect(listed.body.items.map((m: { id: string }) => m.id)).toContain(id);

    const shipped = await hub.api.post(
      `/v1/orders/${order.id}/shipments`,
      {
        lines: [
          { line: 0, quantity: 1 },
          { line: 1, quantity: 1 },
        ],
      },
      { as: 'finance' },
    );
    expect(shipped.status, shipped.text).toBe(201);
    const invoice = await hub.api.post(
      `/v1/orders/${order.id}/invoices`,
      { erpRef: erpInvoice },
      { as: 'finance' },
    );
    expect(invoice.status, invoice.text).toBe(201);

    const replay = await hub.api.post(`/v1/webhooks/inbound-messages/${id}/replay`);
    expect(replay.status).toBe(202);
    const done = await processed(id);
    expect(done.result).toMatchObject({ created: true });
    const payments = await hub.api.all('payments', `invoice=${invoice.body.id}`);
    expect(payments.map((p) => p.amount)).toEqual([150_00]);
    // The ERP sends it again: still one payment.
    const repeat = await post(
      'erp',
      paymentBody,
      standardHeaders(SECRETS.erp, `pay-${erpInvoice}`, paymentBody),
    );
    expect(repeat.status).toBe(200);
    expect(await hub.api.all('payments', `invoice=${invoice.body.id}`)).toHaveLength(1);
  });

  it('lets only admins configure sources, set secrets and read messages', async () => {
    expect(
      (
        await hub.api.put(
          '/v1/webhooks/sources/leads/secret',
          { secret: 'x'.repeat(20) },
          { as: 'integration' },
        )
      ).status,
    ).toBe(403);
    expect((await hub.api.get('/v1/webhooks/inbound-messages', { as: 'sales' })).status).toBe(403);
    const short = await hub.api.put('/v1/webhooks/sources/leads/secret', { secret: 'short' });
    expect(short.status).toBe(422);
    const badSlug = await hub.api.put('/v1/webhooks/sources/Bad_Slug!/secret', { secret: 'x'.repeat(20) });
    expect(badSlug.status).toBe(422);
    const badSource = await hub.api.post('/v1/admin/webhook-sources', {
      content: { name: 'x', source: 'x', scheme: 'md5', mapping: 'lead' },
    });
    expect(badSource.status).toBe(422);
  });
});
