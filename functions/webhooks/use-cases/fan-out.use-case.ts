/**
 * An event, read off the events queue, becomes one delivery per endpoint that subscribes to it.
 * 1. Match the event's type against every enabled endpoint's patterns (`*` leaves out webhook
 *    notices, and a notice about an endpoint never goes to that endpoint).
 * 2. Create each delivery under a condition: the same event read twice delivers once.
 * 3. Queue the new deliveries. Should that fail after they were written, they are due already,
 *    and the sweeper queues them.
 */
import type { JunctionEvent } from '#schemas/events';
import { matches } from '../../events/domain/event-catalogue.ts';
import type { WebhookDeps } from '../ports.ts';
import { type Endpoint, enabledEndpoints } from './endpoints.use-case.ts';

export const deliveryMessage = (endpointId: string, eventId: string) =>
  JSON.stringify({ endpointId, eventId });

export function subscribers(endpoints: readonly Endpoint[], event: JunctionEvent): Endpoint[] {
  return endpoints.filter(
    (endpoint) =>
      endpoint.enabled &&
      matches(endpoint.eventTypes, event.type) &&
      !(event.data.recordType === 'webhook-endpoint' && event.data.recordId === endpoint.id),
  );
}

export async function fanOut(
  deps: WebhookDeps,
  events: readonly JunctionEvent[],
  endpoints: () => Promise<Endpoint[]> = () => enabledEndpoints(deps),
): Promise<number> {
  const all = await endpoints();
  const at = deps.now().toISOString();
  const queued: string[] = [];
  for (const event of events) {
    for (const endpoint of subscribers(all, event)) {
      const created = await deps.deliveries.create({
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        updatedAt: at,
        nextAttemptAt: at,
        enqueuedFor: at,
      });
      if (created) queued.push(deliveryMessage(endpoint.id, event.id));
    }
  }
  await deps.deliveryQueue.send(queued.map((body) => ({ body })));
  return queued.length;
}
