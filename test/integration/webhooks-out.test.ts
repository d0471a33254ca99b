/**
 * Outbound webhooks on the hub, end to end: a record change is committed, the table's stream
 * (DynamoDB Local) yields its event, the events queue (the SQS stand-in) feeds the fan-out, the
 * deliveries queue feeds the sender, and a real HTTP receiver in this test answers — failing,
 * throttling, redirecting, gone — while the attempts are logged and replayable. Retry delays run
 * 1000× faster than the clock, as every workflow wait does on a test hub.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createProduct, validProduct } from '../support/fixtures.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { emailsTo, eventually } from '../support/lead-routing.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';

let hub: TestHub;
let receiver: Receiver;
/** A second receiver the SSRF guard does not allow (only the first one's exact origin is). */
let stranger: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  stranger = await startReceiver();
  hub = await startTestHub({
    events: true,
    timeScale: 1000,
    webhookAllowPrivate: [`127.0.0.1:${receiver.port}`],
    log: (line) => console.log('[hub]', line.slice(0, 500)),
  });
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.close();
  await stranger?.close();
});

async function subscribe(path: string, eventTypes: string[], extra: Record<string, unknown> = {}) {
  const response = await hub.api.post('/v1/webhooks/endpoints', {
    url: receiver.url(path),
    eventTypes,
    ...extra,
  });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; secret: string };
}

const attemptsOf = async (endpointId: string) =>
  (await hub.api.get(`/v1/webhooks/endpoints/${endpointId}/attempts?limit=100`)).body.items as {
    outcome: string;
    status?: number;
    eventId: string;
    attempt: number;
  }[];

describe('outbound webhooks', () => {
  it('delivers one event through three 500s and a 429 with Retry-After: signed, logged, the same webhook-id every time', async () => {
    const endpoint = await subscribe('/flaky', ['account.created'], { description: 'flaky receiver' });
    receiver.script('/flaky', [
      { status: 500 },
      { status: 500 },
      { status: 500 },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, body: 'thanks' },
    ]);
    const accountId = await createAccount(hub.api, { name: 'Flaky Receiver AG' });

    const requests = await eventually(
      async () => {
        const got = receiver.requests('/flaky');
        return got.length >= 5 ? got : undefined;
      },
      30_000,
      'five attempts',
    );
    // Nothing more after the success.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests('/flaky')).toHaveLength(5);

    const ids = new Set(requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const timestamps = requests.map((r) => Number(r.headers['webhook-timestamp']));
    expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
    for (const request of requests) {
      const event = new Webhook(endpoint.secret).verify(
        request.body,
        request.headers as Record<string, string>,
      ) as {
        id: string;
        type: string;
        data: { recordId: string };
      };
      expect(event).toMatchObject({ type: 'account.created', data: { recordId: accountId } });
      expect(event.id).toBe([...ids][0]);
    }

    const attempts = await attemptsOf(endpoint.id);
    expect(attempts.map((a) => [a.outcome, a.status, a.attempt])).toEqual([
      ['delivered', 200, 4],
      ['throttled', 429, 3],
      ['failed', 500, 3],
      ['failed', 500, 2],
      ['failed', 500, 1],
    ]);
    const delivered = await hub.api.get(`/v1/webhooks/endpoints/${endpoint.id}/deliveries?status=delivered`);
    expect(delivered.body.items).toEqual([
      expect.objectContaining({ eventId: [...ids][0], status: 'delivered', attempts: 4 }),
    ]);
  });

  it('yields exactly one event per committed change, and none for a change that was refused', async () => {
    const sku = `SKU-ONCE-${Date.now()}`;
    const productId = await createProduct(hub.api, { sku });
    const duplicate = await hub.api.post('/v1/products', { ...validProduct(sku), name: 'Twin' });
    expect(duplicate.status).toBe(409);
    const stale = await hub.api.patch(
      `/v1/products/${productId}`,
      { name: 'Renamed' },
      { headers: { 'if-match': '"v9"' } },
    );
    expect(stale.status).toBe(412);

    const events = await eventually(async () => {
      const page = await hub.api.get(`/v1/events?record=product:${productId}`);
      return page.body.items.length > 0 ? page.body.items : undefined;
    });
    expect(events.map((e: { type: string }) => e.type)).toEqual(['product.created']);
    // The stream has caught up past the refused writes: nothing else about products appeared.
    await createAccount(hub.api, { name: 'Stream Marker GmbH' });
    await eventually(async () => {
      const page = await hub.api.get('/v1/events?type=account.created&limit=100');
      return page.body.items.some((e: { data: { summary?: string } }) =>
        JSON.stringify(e).includes('Stream Marker'),
      )
        ? true
        : undefined;
    });
    const products = await hub.api.get('/v1/events?type=product.*&limit=100');
    const aboutThis = products.body.items.filter(
      (e: { data: { recordId: string } }) => e.data.recordId === productId,
    );
    expect(aboutThis.map((e: { type: string }) => e.type)).toEqual(['product.created']);
    expect(products.body.items.filter((e: { type: string }) => e.type === 'product.updated')).toEqual([]);
  });

  it('disables an endpoint that answers 410 Gone, and tells its contact by email', async () => {
    const endpoint = await subscribe('/gone', ['account.created'], {
      contactEmail: 'integrations@example.com',
    });
    receiver.script('/gone', [{ status: 410 }]);
    await createAccount(hub.api, { name: 'Gone Receiver Ltd' });
    const disabled = await eventually(async () => {
      const found = await hub.api.get(`/v1/webhooks/endpoints/${endpoint.id}`);
      return found.body.enabled === false ? found.body : undefined;
    });
    expect(disabled.disabledReason).toBe('the receiver answered 410 Gone');
    const mail = await eventually(async () => {
      const got = await emailsTo(hub.urls.ses, 'integrations@example.com');
      return got.length ? got : undefined;
    });
    expect(mail[0]?.subject).toContain('Webhook endpoint disabled');
    const notices = await hub.api.get(`/v1/events?record=webhook-endpoint:${endpoint.id}`);
    expect(notices.body.items.map((e: { type: string }) => e.type)).toContain('webhook.endpoint.disabled');
    // Nothing more is sent to it.
    await createAccount(hub.api, { name: 'After Gone SA' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests('/gone')).toHaveLength(1);
  });

  it('counts a redirect as a failure and never follows it', async () => {
    const endpoint = await subscribe('/moved', ['account.created']);
    receiver.script('/moved', [{ status: 301, headers: { location: receiver.url('/elsewhere') } }]);
    await createAccount(hub.api, { name: 'Moved Receiver BV' });
    const attempts = await eventually(async () => {
      const got = await attemptsOf(endpoint.id);
      return got.length ? got : undefined;
    });
    expect(attempts[0]).toMatchObject({ outcome: 'failed', status: 301 });
    expect(receiver.requests('/elsewhere')).toEqual([]);
  });

  it('refuses loopback, metadata and IPv6 loopback addresses when an endpoint is made, and changes nothing', async () => {
    for (const url of [
      `http://127.0.0.1:${stranger.port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook',
      'http://10.0.0.8/hook',
    ]) {
      const refused = await hub.api.post('/v1/webhooks/endpoints', { url, eventTypes: ['*'] });
      expect(refused.status, url).toBe(422);
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/url', code: 'address_not_allowed' });
    }
    const list = await hub.api.get('/v1/webhooks/endpoints?limit=100');
    expect(list.body.items.map((e: { url: string }) => e.url)).not.toContain(
      'http://169.254.169.254/latest/meta-data/',
    );
  });

  it('refuses at delivery a name that resolves to a loopback address, and sends nothing there', async () => {
    const created = await hub.api.post('/v1/webhooks/endpoints', {
      url: `http://localhost:${stranger.port}/hook`,
      eventTypes: ['account.created'],
    });
    expect(created.status).toBe(201);
    await createAccount(hub.api, { name: 'Name Resolves Locally Inc' });
    const attempts = await eventually(async () => {
      const got = await attemptsOf(created.body.id);
      return got.length ? got : undefined;
    });
    expect(attempts[0]?.outcome).toBe('refused');
    expect(JSON.stringify(attempts[0])).toMatch(/loopback address/);
    expect(stranger.requests()).toEqual([]);
  });

  it('replays what failed, one by one or all since a time, with the same webhook-id', async () => {
    const since = new Date().toISOString();
    const created = await hub.api.post('/v1/webhooks/endpoints', {
      url: `http://localhost:${stranger.port}/replay`,
      eventTypes: ['account.created'],
    });
    const id = created.body.id as string;
    await createAccount(hub.api, { name: 'Replay One GmbH' });
    await createAccount(hub.api, { name: 'Replay Two GmbH' });
    const failed = await eventually(async () => {
      const page = await hub.api.get(`/v1/webhooks/endpoints/${id}/deliveries?status=failed`);
      return page.body.items.length >= 2 ? page.body.items : undefined;
    });
    // Pointed at a receiver it may reach, then everything failed since `since` is sent again.
    expect(
      (await hub.api.patch(`/v1/webhooks/endpoints/${id}`, { url: receiver.url('/replay') })).status,
    ).toBe(200);
    const bulk = await hub.api.post(`/v1/webhooks/endpoints/${id}/replay`, { since });
    expect(bulk.status).toBe(202);
    expect(bulk.body).toEqual({ replayed: failed.length, remaining: false });
    const got = await eventually(async () => {
      const requests = receiver.requests('/replay');
      return requests.length >= failed.length ? requests : undefined;
    });
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(
      new Set(failed.map((d: { eventId: string }) => d.eventId)),
    );

    const one = failed[0].eventId as string;
    const again = await hub.api.post(`/v1/webhooks/endpoints/${id}/deliveries/${one}/replay`);
    expect(again.status).toBe(202);
    await eventually(async () => (receiver.requests('/replay').length > got.length ? true : undefined));
    expect(receiver.requests('/replay').at(-1)?.headers['webhook-id']).toBe(one);

    const unknown = await hub.api.post(`/v1/webhooks/endpoints/${id}/deliveries/evt_nope/replay`);
    expect(unknown.status).toBe(404);
  });

  it('signs with both secrets during a rotation, so either verifies', async () => {
    const endpoint = await subscribe('/rotating', ['account.created']);
    const rotated = await hub.api.post(`/v1/webhooks/endpoints/${endpoint.id}/secret/rotate`, {
      graceHours: 2,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previous).toEqual([expect.objectContaining({ secret: endpoint.secret })]);
    await createAccount(hub.api, { name: 'Rotation Partners' });
    const [request] = await eventually(async () => {
      const got = receiver.requests('/rotating');
      return got.length ? got : undefined;
    });
    expect(String(request?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret as string])
      expect(() =>
        new Webhook(secret).verify(request?.body ?? '', request?.headers as Record<string, string>),
      ).not.toThrow();
    const shown = await hub.api.get(`/v1/webhooks/endpoints/${endpoint.id}/secret`);
    expect(shown.body.secret).toBe(rotated.body.secret);
  });

  it('checks what endpoints are made of, and who may see them', async () => {
    const bad = await hub.api.post('/v1/webhooks/endpoints', {
      url: 'ftp://example.com',
      eventTypes: ['quote.'],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/eventTypes/0',
      '/url',
    ]);
    const sales = await hub.api.post(
      '/v1/webhooks/endpoints',
      { url: receiver.url('/x'), eventTypes: ['*'] },
      { as: 'sales' },
    );
    expect(sales.status).toBe(403);
    const mine = await hub.api.post(
      '/v1/webhooks/endpoints',
      { url: receiver.url('/mine'), eventTypes: ['*'] },
      { as: 'integration' },
    );
    expect(mine.status).toBe(201);
    const theirs = await hub.api.get('/v1/webhooks/endpoints?limit=100', { as: 'integration' });
    expect(theirs.body.items.map((e: { id: string }) => e.id)).toEqual([mine.body.id]);
    const admin = await hub.api.get(`/v1/webhooks/endpoints/${mine.body.id}`);
    expect(admin.status).toBe(200);
    expect(admin.body).not.toHaveProperty('secret');
  });
});
