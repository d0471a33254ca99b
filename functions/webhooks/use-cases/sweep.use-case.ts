/**
 * The sweeper, every minute on AWS (every second locally), puts back on the queues what is due and
 * not there: deliveries whose retry was too far off for a queue delay, deliveries whose message
 * was lost (queued but never taken, a crash between writing and queueing, a hub killed with
 * messages in its in-memory queue), and inbound messages stored but never processed. It queues
 * only what has been due a while (GRACE), so a message already on its way is not doubled —
 * and should it be, the lease on each delivery and message sends or processes it once.
 */
import type { InboundDeps, WebhookDeps } from '../ports.ts';
import { deliveryMessage } from './fan-out.use-case.ts';
import { inboundMessage } from './inbound.use-case.ts';

/** How long a queued message may take before the sweeper takes it for lost, in seconds. */
export const GRACE_SECONDS = 120;

export async function sweep(
  deps: WebhookDeps & Pick<InboundDeps, 'inbound' | 'inboundQueue'>,
): Promise<{ deliveries: number; inbound: number }> {
  const now = deps.now();
  const grace = (GRACE_SECONDS * 1000) / deps.timeScale;
  const due = await deps.deliveries.due(now, 500);
  const lost = due.filter(
    (d) => d.enqueuedFor !== d.nextAttemptAt || now.getTime() - Date.parse(d.nextAttemptAt ?? '') >= grace,
  );
  const stamp = now.toISOString();
  let deliveries = 0;
  for (const delivery of lost) {
    // Re-stamped first (unless it is being sent right now), so the next sweep leaves it to the queue.
    if (!(await deps.deliveries.requeue(delivery, stamp, now))) continue;
    await deps.deliveryQueue.send([{ body: deliveryMessage(delivery.endpointId, delivery.eventId) }]);
    deliveries += 1;
  }
  const received = await deps.inbound.listByStatus('received', {
    limit: 100,
    before: new Date(now.getTime() - grace).toISOString(),
    oldestFirst: true,
  });
  const stale = received.items.filter((m) => !m.sweptAt || now.getTime() - Date.parse(m.sweptAt) >= grace);
  for (const message of stale) await deps.inbound.swept(message.id, now);
  await deps.inboundQueue.send(stale.map((m) => ({ body: inboundMessage(m.id) })));
  return { deliveries, inbound: stale.length };
}
