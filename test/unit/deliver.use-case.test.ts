/**
 * One delivery attempt and what follows it, with the world as plain fakes: the schedule's next
 * attempt, throttling that spends no attempt, the rate limit, exhaustion (the owner told by email,
 * a notice event), 410 and five failing days disabling the endpoint with a notice.
 */
import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '#connectors/queues/message-queue';
import type { WebhookResponse } from '#connectors/webhooks/webhook-sender';
import type { JunctionEvent } from '#schemas/events';
import type { Attempt, Delivery } from '#store/webhook-deliveries';
import type { DeliveryDeps } from '../../functions/webhooks/ports.ts';
import { deliver } from '../../functions/webhooks/use-cases/deliver.use-case.ts';
import { recordDeps } from './support/record-deps.ts';

const EVENT: JunctionEvent = {
  id: 'evt_1',
  type: 'quote.approved',
  timestamp: '2026-03-02T09:59:00.000Z',
  data: {
    recordType: 'quote',
    recordId: 'quo_1',
    version: 2,
    action: 'approval-run-approved',
    actor: { id: 'quote-approval', name: 'Quote approval', kind: 'workflow' },
    channel: 'workflow',
    changes: [],
  },
};
const ENDPOINT_ID = 'whe_01JAAAAAAAAAAAAAAAAAAAAAAA';

function world(
  answers: WebhookResponse[],
  options: { attempts?: number; failingSince?: string; roomy?: boolean } = {},
) {
  const base = recordDeps();
  base.store.put('webhook-endpoint', {
    id: ENDPOINT_ID,
    url: 'https://receiver.example.com/hook',
    eventTypes: ['quote.*'],
    enabled: true,
    rateLimitPerSecond: 5,
    ownerId: 'key_1',
    contactEmail: 'ops@example.com',
    ...(options.failingSince ? { failingSince: options.failingSince } : {}),
  });
  let delivery: Delivery = {
    endpointId: ENDPOINT_ID,
    eventId: EVENT.id,
    eventType: EVENT.type,
    status: 'pending',
    attempts: options.attempts ?? 0,
    createdAt: EVENT.timestamp,
    updatedAt: EVENT.timestamp,
    nextAttemptAt: EVENT.timestamp,
  };
  const attempts: Attempt[] = [];
  const queued: QueuedMessage[] = [];
  const notices: { key: string; subject: string; to: string[] }[] = [];
  const sent: Record<string, string>[] = [];
  const deps: DeliveryDeps = {
    ...base,
    deliveries: {
      create: async () => true,
      get: async () => delivery,
      claim: async () => (delivery.status === 'pending' ? delivery : undefined),
      save: async (d) => {
        delivery = d;
      },
      requeue: async () => true,
      due: async () => [],
      listByStatus: async () => ({ items: [], nextCursor: null }),
      logAttempt: async (a) => {
        attempts.push(a);
      },
      attempts: async () => ({ items: attempts, nextCursor: null }),
    },
    events: {
      get: async () => EVENT,
      put: async () => true,
      list: async () => ({ items: [], nextCursor: null }),
    },
    secrets: {
      get: async () => JSON.stringify([{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }]),
      put: async () => {},
      delete: async () => {},
    },
    secretPrefix: '/junction/webhooks',
    deliveryQueue: { send: async (m) => void queued.push(...m) },
    timeScale: 1,
    random: () => 0.5,
    notify: async (key, message, to) => void notices.push({ key, subject: message.subject, to }),
    adminEmails: async () => ['admin@example.com'],
    sender: {
      post: async (request) => {
        sent.push(request.headers);
        return answers.shift() ?? { kind: 'failed', error: 'no more answers', latencyMs: 1 };
      },
    },
    rateLimit: async () =>
      options.roomy === false ? { allowed: false, retryAfterSeconds: 1 } : { allowed: true },
  };
  return { deps, base, attempts, queued, notices, sent, delivery: () => delivery };
}

const answered = (status: number, headers: Record<string, string> = {}): WebhookResponse => ({
  kind: 'answered',
  status,
  headers,
  excerpt: `status ${status}`,
  latencyMs: 12,
});

describe('a delivery attempt', () => {
  it('delivers on a 2xx, signed, and logs the attempt with status, latency and the answer', async () => {
    const w = world([answered(204)]);
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('delivered');
    expect(w.delivery()).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(w.attempts).toEqual([
      expect.objectContaining({
        outcome: 'delivered',
        status: 204,
        latencyMs: 12,
        response: 'status 204',
        attempt: 1,
      }),
    ]);
    expect(w.sent[0]).toMatchObject({ 'webhook-id': 'evt_1', 'content-type': 'application/json' });
    expect(w.sent[0]?.['webhook-signature']).toMatch(/^v1,/);
  });

  it('retries a 500 after the schedule’s next delay, queued with that delay', async () => {
    const w = world([answered(500)]);
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('retrying');
    expect(w.delivery()).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Date.parse(w.delivery().nextAttemptAt ?? '') - w.deps.now().getTime()).toBe(5_000);
    expect(w.queued).toEqual([
      { body: JSON.stringify({ endpointId: ENDPOINT_ID, eventId: EVENT.id }), delaySeconds: 5 },
    ]);
    expect(w.base.store.records.get(`webhook-endpoint#${ENDPOINT_ID}`)?.failingSince).toBe(
      w.deps.now().toISOString(),
    );
  });

  it('leaves a retry hours away to the sweeper rather than the queue', async () => {
    const w = world([answered(502)], { attempts: 4 });
    await deliver(w.deps, ENDPOINT_ID, EVENT.id);
    expect(w.delivery()).toMatchObject({ status: 'pending', attempts: 5 });
    expect(Date.parse(w.delivery().nextAttemptAt ?? '') - w.deps.now().getTime()).toBe(18_000_000);
    expect(w.queued).toEqual([]);
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    const w = world([answered(302, { location: 'https://elsewhere.example.com/' })]);
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('retrying');
    expect(w.attempts[0]).toMatchObject({ outcome: 'failed', status: 302 });
    expect(w.sent).toHaveLength(1);
  });

  it('waits out a 429 as long as Retry-After says, without spending an attempt', async () => {
    const w = world([answered(429, { 'retry-after': '30' })], { attempts: 2 });
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('throttled');
    expect(w.delivery()).toMatchObject({ status: 'pending', attempts: 2 });
    expect(w.attempts[0]).toMatchObject({ outcome: 'throttled', attempt: 2 });
    expect(w.queued[0]?.delaySeconds).toBe(30);
  });

  it('sends nothing over the endpoint’s rate limit, and tries again in a second with no attempt spent', async () => {
    const w = world([answered(200)], { roomy: false });
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('rate-limited');
    expect(w.sent).toEqual([]);
    expect(w.attempts).toEqual([]);
    expect(w.delivery()).toMatchObject({ status: 'pending', attempts: 0 });
    expect(w.queued[0]?.delaySeconds).toBe(1);
  });

  it('gives up after the last attempt: the owner gets an email and the endpoint a notice event', async () => {
    const w = world([answered(500)], { attempts: 8 });
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('exhausted');
    expect(w.delivery()).toMatchObject({ status: 'failed', attempts: 9 });
    expect(w.delivery().reason).toContain('9 attempts failed; the last: HTTP 500');
    expect(w.notices).toEqual([
      {
        key: `webhook-exhausted#${ENDPOINT_ID}#evt_1`,
        subject: 'Webhook not delivered: quote.approved to https://receiver.example.com/hook',
        to: ['ops@example.com'],
      },
    ]);
    expect(w.base.store.audits.map((a) => a.action)).toContain('delivery-exhausted');
  });

  it('disables the endpoint on 410 Gone, and says so to its owner', async () => {
    const w = world([answered(410)]);
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('failed');
    const endpoint = w.base.store.records.get(`webhook-endpoint#${ENDPOINT_ID}`);
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'the receiver answered 410 Gone' });
    expect(w.notices[0]?.subject).toBe('Webhook endpoint disabled: https://receiver.example.com/hook');
  });

  it('disables an endpoint that has failed for five days with no success between', async () => {
    const sixDaysAgo = new Date(Date.parse('2026-03-02T10:00:00.000Z') - 6 * 86_400_000).toISOString();
    const w = world([answered(500)], { failingSince: sixDaysAgo });
    await deliver(w.deps, ENDPOINT_ID, EVENT.id);
    const endpoint = w.base.store.records.get(`webhook-endpoint#${ENDPOINT_ID}`);
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'every delivery failed for 6 days' });
    expect(w.notices.map((n) => n.key)).toEqual([expect.stringMatching(/^webhook-disabled#/)]);
  });

  it('keeps failing quietly for four days', async () => {
    const fourDaysAgo = new Date(Date.parse('2026-03-02T10:00:00.000Z') - 4 * 86_400_000).toISOString();
    const w = world([answered(500)], { failingSince: fourDaysAgo });
    await deliver(w.deps, ENDPOINT_ID, EVENT.id);
    expect(w.base.store.records.get(`webhook-endpoint#${ENDPOINT_ID}`)?.enabled).toBe(true);
    expect(w.notices).toEqual([]);
  });

  it('fails without sending when the endpoint was disabled meanwhile', async () => {
    const w = world([answered(200)]);
    const stored = w.base.store.records.get(`webhook-endpoint#${ENDPOINT_ID}`);
    if (!stored) throw new Error('the endpoint is missing');
    w.base.store.put('webhook-endpoint', { ...stored, enabled: false });
    expect(await deliver(w.deps, ENDPOINT_ID, EVENT.id)).toBe('failed');
    expect(w.sent).toEqual([]);
    expect(w.delivery()).toMatchObject({ status: 'failed', reason: 'the endpoint is disabled' });
  });
});
