/**
 * One attempt at one delivery, from its queue message.
 * 1. Take the delivery (a lease): nothing happens unless it is pending, due and not being sent.
 * 2. The endpoint must still be there and enabled; else the delivery fails, saying why.
 * 3. Over the endpoint's rate limit: wait for room, without spending an attempt.
 * 4. Sign (Standard Webhooks, every valid secret) and post the event: 15 s, no redirects, the
 *    SSRF guard on the address connected to.
 * 5. Log the attempt, then settle: 2xx delivered; 410 gone — the endpoint is disabled; 429 and 503
 *    throttled — again after Retry-After, the attempt not counted; a refused address fails for
 *    good; anything else (3xx included) is retried on the schedule until it is spent.
 * 6. Spent: the delivery fails, and the owner hears of it (an email and a
 *    `webhook.endpoint.delivery_exhausted` event). Failing five days without a success disables
 *    the endpoint, with a notice.
 * 7. A retry due within SQS's 15-minute delay is queued with that delay; a later one waits in the
 *    due index for the sweeper.
 */
import { MAX_DELAY_SECONDS } from '#connectors/queues/message-queue';
import type { WebhookResponse } from '#connectors/webhooks/webhook-sender';
import type { AttemptOutcome, Delivery } from '#store/webhook-deliveries';
import type { ChangeSource } from '../../records/ports.ts';
import { escapeHtml } from '../../shared/html.ts';
import {
  DISABLE_AFTER_FAILING_SECONDS,
  MAX_ATTEMPTS,
  nextDelaySeconds,
  retryAfterSeconds,
} from '../domain/retry-schedule.ts';
import { signatureHeaders } from '../domain/signing.ts';
import type { DeliveryDeps } from '../ports.ts';
import { changeEndpoint, type Endpoint, endpointSigningSecrets } from './endpoints.use-case.ts';
import { deliveryMessage } from './fan-out.use-case.ts';

export const TIMEOUT_MS = 15_000;
const LEASE_MS = TIMEOUT_MS + 15_000;

export const SYSTEM: ChangeSource = {
  actor: { id: 'webhooks', name: 'Webhook delivery', kind: 'system' },
  channel: 'system',
};

export type AttemptResult =
  | 'skipped'
  | 'delivered'
  | 'retrying'
  | 'throttled'
  | 'rate-limited'
  | 'exhausted'
  | 'failed';

export async function deliver(
  deps: DeliveryDeps,
  endpointId: string,
  eventId: string,
): Promise<AttemptResult> {
  const now = deps.now();
  const delivery = await deps.deliveries.claim(endpointId, eventId, now, new Date(now.getTime() + LEASE_MS));
  if (!delivery) return 'skipped';
  const [endpoint, event] = (await Promise.all([
    deps.store.get('webhook-endpoint', endpointId),
    deps.events.get(eventId),
  ])) as [Endpoint | undefined, Awaited<ReturnType<DeliveryDeps['events']['get']>>];
  if (!endpoint || endpoint.archived || !endpoint.enabled || !event) {
    const reason = !event
      ? 'the event is no longer kept'
      : !endpoint || endpoint.archived
        ? 'the endpoint was deleted'
        : `the endpoint is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}`;
    await deps.deliveries.save(settled(delivery, now, 'failed', { reason }));
    return 'failed';
  }

  const [room, secrets] = await Promise.all([
    deps.rateLimit(endpoint.id, endpoint.rateLimitPerSecond, now),
    endpointSigningSecrets(deps, endpoint.id, now),
  ]);
  if (!room.allowed) {
    await retryIn(deps, delivery, now, room.retryAfterSeconds, {});
    return 'rate-limited';
  }

  const body = JSON.stringify(event);
  const response = await deps.sender.post({
    url: endpoint.url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Junction-Webhooks/1',
      ...signatureHeaders(secrets, event.id, now, body),
    },
    body,
    timeoutMs: TIMEOUT_MS,
  });
  const answered = response.kind === 'answered' ? response : undefined;
  const outcome = classify(response);
  const counted = outcome === 'throttled' ? delivery.attempts : delivery.attempts + 1;
  const attempt = {
    id: deps.newId('wha').slice(4),
    endpointId,
    eventId,
    eventType: event.type,
    attempt: counted,
    at: now.toISOString(),
    outcome,
    latencyMs: response.latencyMs,
    ...(answered ? { status: answered.status, response: answered.excerpt } : {}),
    ...(response.kind !== 'answered' ? { error: response.error } : {}),
  };

  if (outcome === 'delivered') {
    await Promise.all([
      deps.deliveries.logAttempt(attempt),
      deps.deliveries.save(settled({ ...delivery, attempts: counted }, now, 'delivered', {})),
    ]);
    if (endpoint.failingSince || !endpoint.lastSuccessAt || olderThanAMinute(endpoint.lastSuccessAt, now))
      await healthy(deps, endpoint, now);
    return 'delivered';
  }
  if (outcome === 'throttled') {
    const wait = retryAfterSeconds(answered?.headers['retry-after'], now);
    const next = await retryIn(deps, { ...delivery }, now, wait, {});
    await deps.deliveries.logAttempt({ ...attempt, nextAttemptAt: next });
    return 'throttled';
  }
  if (outcome === 'gone' || outcome === 'refused') {
    await deps.deliveries.logAttempt(attempt);
    const reason =
      outcome === 'gone'
        ? 'the receiver answered 410 Gone'
        : `the address was refused: ${response.kind === 'refused' ? response.error : ''}`;
    await deps.deliveries.save(settled({ ...delivery, attempts: counted }, now, 'failed', { reason }));
    if (outcome === 'gone') await disable(deps, endpoint, 'the receiver answered 410 Gone', now);
    return 'failed';
  }

  // A failure that counts.
  const delay = nextDelaySeconds(counted, deps.random);
  if (delay === undefined || counted >= MAX_ATTEMPTS) {
    await deps.deliveries.logAttempt(attempt);
    const reason = `${counted} attempts failed; the last: ${describe(response)}`;
    await deps.deliveries.save(settled({ ...delivery, attempts: counted }, now, 'failed', { reason }));
    await exhausted(deps, endpoint, event.id, event.type, reason);
  } else {
    const next = await retryIn(deps, { ...delivery, attempts: counted }, now, delay, {});
    await deps.deliveries.logAttempt({ ...attempt, nextAttemptAt: next });
  }
  await failing(deps, endpoint, now);
  return delay === undefined ? 'exhausted' : 'retrying';
}

function classify(response: WebhookResponse): AttemptOutcome {
  if (response.kind === 'refused') return 'refused';
  if (response.kind === 'failed') return 'failed';
  if (response.status >= 200 && response.status < 300) return 'delivered';
  if (response.status === 410) return 'gone';
  if (response.status === 429 || response.status === 503) return 'throttled';
  return 'failed';
}

const describe = (response: WebhookResponse) =>
  response.kind === 'answered' ? `HTTP ${response.status}` : response.error;

const olderThanAMinute = (iso: string, now: Date) => now.getTime() - Date.parse(iso) > 60_000;

function settled(
  delivery: Delivery,
  now: Date,
  status: Delivery['status'],
  fields: Partial<Delivery>,
): Delivery {
  const { nextAttemptAt: _next, enqueuedFor: _enq, reason: _reason, ...rest } = delivery;
  return { ...rest, ...fields, status, updatedAt: now.toISOString(), lastAttemptAt: now.toISOString() };
}

/**
 * Pending again after `seconds` of the hub's time. Due within SQS's longest delay: queued with it
 * now; later: left to the sweeper, which finds it in the due index.
 */
async function retryIn(
  deps: DeliveryDeps,
  delivery: Delivery,
  now: Date,
  seconds: number,
  fields: Partial<Delivery>,
): Promise<string> {
  const realSeconds = seconds / deps.timeScale;
  const nextAttemptAt = new Date(now.getTime() + realSeconds * 1000).toISOString();
  const queueNow = realSeconds <= MAX_DELAY_SECONDS;
  await deps.deliveries.save({
    ...delivery,
    ...fields,
    status: 'pending',
    updatedAt: now.toISOString(),
    lastAttemptAt: now.toISOString(),
    nextAttemptAt,
    ...(queueNow ? { enqueuedFor: nextAttemptAt } : { enqueuedFor: undefined }),
  } as Delivery);
  if (queueNow)
    await deps.deliveryQueue.send([
      { body: deliveryMessage(delivery.endpointId, delivery.eventId), delaySeconds: Math.ceil(realSeconds) },
    ]);
  return nextAttemptAt;
}

async function healthy(deps: DeliveryDeps, endpoint: Endpoint, now: Date): Promise<void> {
  await changeEndpoint(
    deps,
    endpoint,
    { lastSuccessAt: now.toISOString() },
    ['failingSince'],
    'delivery-succeeded',
    SYSTEM,
  ).catch(
    () => undefined, // another delivery updated it meanwhile; health is advisory
  );
}

async function failing(deps: DeliveryDeps, endpoint: Endpoint, now: Date): Promise<void> {
  const current =
    ((await deps.store.get('webhook-endpoint', endpoint.id)) as Endpoint | undefined) ?? endpoint;
  if (!current.enabled) return;
  if (!current.failingSince) {
    await changeEndpoint(
      deps,
      current,
      { failingSince: now.toISOString() },
      [],
      'delivery-failing',
      SYSTEM,
    ).catch(() => undefined);
    return;
  }
  const failingFor = ((now.getTime() - Date.parse(current.failingSince)) / 1000) * deps.timeScale;
  if (failingFor >= DISABLE_AFTER_FAILING_SECONDS)
    await disable(deps, current, `every delivery failed for ${Math.floor(failingFor / 86_400)} days`, now);
}

async function recipients(deps: DeliveryDeps, endpoint: Endpoint): Promise<string[]> {
  return endpoint.contactEmail ? [endpoint.contactEmail] : deps.adminEmails();
}

async function disable(deps: DeliveryDeps, endpoint: Endpoint, reason: string, now: Date): Promise<void> {
  const current =
    ((await deps.store.get('webhook-endpoint', endpoint.id)) as Endpoint | undefined) ?? endpoint;
  if (!current.enabled) return;
  await changeEndpoint(
    deps,
    current,
    { enabled: false, disabledReason: reason },
    [],
    'disabled',
    SYSTEM,
    `Disabled: ${reason}`,
  );
  const to = await recipients(deps, current);
  if (to.length)
    await deps.notify(
      `webhook-disabled#${current.id}#${current.version + 1}`,
      {
        subject: `Webhook endpoint disabled: ${current.url}`,
        text: `Junction stopped sending to ${current.url} (${current.id}) on ${now.toISOString()}: ${reason}.\n\nEnable it again once it answers, then replay what failed: POST /v1/webhooks/endpoints/${current.id}/replay.`,
        html: `<p>Junction stopped sending to <code>${escapeHtml(current.url)}</code> (${current.id}): ${escapeHtml(reason)}.</p><p>Enable it again once it answers, then replay what failed.</p>`,
      },
      to,
    );
}

async function exhausted(
  deps: DeliveryDeps,
  endpoint: Endpoint,
  eventId: string,
  eventType: string,
  reason: string,
) {
  await deps.store.appendHistory('webhook-endpoint', {
    id: deps.newId('aud').slice(4),
    recordType: 'webhook-endpoint',
    recordId: endpoint.id,
    version: endpoint.version,
    action: 'delivery-exhausted',
    at: deps.now().toISOString(),
    actor: SYSTEM.actor,
    channel: SYSTEM.channel,
    changes: [],
    summary: `${eventType} ${eventId} was not delivered: ${reason}`,
    context: { eventId, eventType },
  });
  const to = await recipients(deps, endpoint);
  if (to.length)
    await deps.notify(
      `webhook-exhausted#${endpoint.id}#${eventId}`,
      {
        subject: `Webhook not delivered: ${eventType} to ${endpoint.url}`,
        text: `Junction gave up sending ${eventType} (${eventId}) to ${endpoint.url}: ${reason}.\n\nReplay it once the endpoint answers: POST /v1/webhooks/endpoints/${endpoint.id}/deliveries/${eventId}/replay.`,
        html: `<p>Junction gave up sending <code>${escapeHtml(eventType)}</code> (${eventId}) to <code>${escapeHtml(endpoint.url)}</code>: ${escapeHtml(reason)}.</p>`,
      },
      to,
    );
}
