/**
 * Looking back at what was sent, and sending it again.
 * - Attempts: every try at an endpoint, newest first (status, latency, the answer's first KB).
 * - Deliveries by state: what failed (or is pending, or went through).
 * - Replay one event to an endpoint: its delivery starts over with a fresh schedule (created if the
 *   endpoint never had it, say it subscribed later); the receiver sees the same webhook-id.
 * - Replay in bulk: every delivery that failed between `since` and `until`, optionally of some
 *   types only; "everything failed since T" is just `since`.
 */
import type { JunctionEvent } from '#schemas/events';
import { AttemptListQuery, BulkReplayInput, DeliveryListQuery } from '#schemas/webhooks';
import type { Delivery } from '#store/webhook-deliveries';
import { matches } from '../../events/domain/event-catalogue.ts';
import type { ChangeSource } from '../../records/ports.ts';
import { notFound, parseOrThrow } from '../../shared/errors.ts';
import type { WebhookDeps } from '../ports.ts';
import { loadEndpoint } from './endpoints.use-case.ts';
import { deliveryMessage } from './fan-out.use-case.ts';

/** At most this many deliveries are replayed per bulk request; `remaining` says there are more. */
export const BULK_REPLAY_LIMIT = 5_000;

export async function listAttempts(
  deps: WebhookDeps,
  endpointId: string,
  query: unknown,
  source: ChangeSource,
) {
  const q = parseOrThrow(AttemptListQuery, query, 'query');
  await loadEndpoint(deps, endpointId, source);
  const page = await deps.deliveries.attempts(endpointId, {
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
    ...(q.event ? { eventId: q.event } : {}),
  });
  return { items: page.items.map(({ endpointId: _e, ...attempt }) => attempt), nextCursor: page.nextCursor };
}

export async function listDeliveries(
  deps: WebhookDeps,
  endpointId: string,
  query: unknown,
  source: ChangeSource,
) {
  const q = parseOrThrow(DeliveryListQuery, query, 'query');
  await loadEndpoint(deps, endpointId, source);
  const page = await deps.deliveries.listByStatus(endpointId, q.status, {
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  return {
    items: page.items.map(({ endpointId: _e, enqueuedFor: _q, updatedAt: _u, ...d }) => d),
    nextCursor: page.nextCursor,
  };
}

async function restart(
  deps: WebhookDeps,
  endpointId: string,
  event: Pick<JunctionEvent, 'id' | 'type'>,
  existing?: Delivery,
) {
  const at = deps.now().toISOString();
  await deps.deliveries.save({
    endpointId,
    eventId: event.id,
    eventType: event.type,
    status: 'pending',
    attempts: 0,
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
    nextAttemptAt: at,
    enqueuedFor: at,
    ...(existing?.lastAttemptAt ? { lastAttemptAt: existing.lastAttemptAt } : {}),
  });
}

export async function replayOne(
  deps: WebhookDeps,
  endpointId: string,
  eventId: string,
  source: ChangeSource,
) {
  await loadEndpoint(deps, endpointId, source);
  const event = await deps.events.get(eventId);
  if (!event) throw notFound(`No event "${eventId.slice(0, 64)}" is kept (events are kept for 35 days).`);
  await restart(deps, endpointId, event, await deps.deliveries.get(endpointId, eventId));
  await deps.deliveryQueue.send([{ body: deliveryMessage(endpointId, eventId) }]);
  return { eventId, status: 'pending' as const };
}

export async function replayFailed(
  deps: WebhookDeps,
  endpointId: string,
  body: unknown,
  source: ChangeSource,
) {
  const input = parseOrThrow(BulkReplayInput, body);
  await loadEndpoint(deps, endpointId, source);
  let replayed = 0;
  let cursor: string | undefined;
  let remaining = false;
  do {
    const page = await deps.deliveries.listByStatus(endpointId, 'failed', {
      since: input.since,
      ...(input.until ? { until: input.until } : {}),
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    const chosen = page.items.filter((d) => !input.eventTypes || matches(input.eventTypes, d.eventType));
    for (const delivery of chosen)
      await restart(deps, endpointId, { id: delivery.eventId, type: delivery.eventType }, delivery);
    await deps.deliveryQueue.send(chosen.map((d) => ({ body: deliveryMessage(endpointId, d.eventId) })));
    replayed += chosen.length;
    cursor = page.nextCursor ?? undefined;
    if (replayed >= BULK_REPLAY_LIMIT && cursor) remaining = true;
  } while (cursor && !remaining);
  return { replayed, remaining };
}
