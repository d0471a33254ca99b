import { logger } from '#platform/observability';
import { JunctionEvent } from '#schemas/events';
import { queueConsumer } from '../shared/batch-consumer.ts';
import { type Endpoint, enabledEndpoints } from './use-cases/endpoints.use-case.ts';
import { fanOut } from './use-cases/fan-out.use-case.ts';
import { webhookDeps } from './wiring.ts';

/**
 * The endpoints an event is matched against: read again unless the list in hand was read after
 * the event happened, so an endpoint created before a change always gets that change's event,
 * while a batch of older events (a backlog) shares one read. Never older than a few seconds.
 */
const ENDPOINTS_MAX_AGE_MS = 5_000;
let endpoints: { readAt: number; list: Promise<Endpoint[]> } | undefined;
const endpointsFor = (eventAt: string) => () => {
  const now = Date.now();
  if (!endpoints || endpoints.readAt <= Date.parse(eventAt) || now - endpoints.readAt > ENDPOINTS_MAX_AGE_MS)
    endpoints = { readAt: now, list: enabledEndpoints(webhookDeps()) };
  return endpoints.list;
};

/** The events queue's consumer: each event → a delivery per subscribed endpoint, queued. */
export const handler = queueConsumer(async (body) => {
  const event = JunctionEvent.safeParse(body);
  if (!event.success)
    return logger.error('dropping a message that is not an event', { issues: event.error.issues });
  await fanOut(webhookDeps(), [event.data], endpointsFor(event.data.timestamp));
});
