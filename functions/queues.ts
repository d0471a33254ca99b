/**
 * Every queue, and every function fed by a queue, the table's stream or a timer, declared once.
 * The CDK stack (infra/stacks/events-stack.ts) builds the queues, their dead-letter queues,
 * alarms and event source mappings from this table, and the local hub (local/event-sources.ts)
 * runs the same consumers against the SQS stand-in with the same semantics — so the two cannot
 * drift apart. `handler` names a file under functions/ without `.handler.ts`, as in routes.ts.
 *
 * Each queue's visibility timeout is six times its consumer's timeout (AWS's advice for Lambda
 * consumers), so a slow attempt is never handed to a second consumer while the first still runs.
 */

export interface QueueDesign {
  /** Logical name (the CDK construct id and the local queue name). */
  name: string;
  /** The environment variable that gives producers its URL. */
  urlVariable: 'EVENTS_QUEUE_URL' | 'DELIVERY_QUEUE_URL' | 'INBOUND_QUEUE_URL';
  consumer: string;
  /** The consumer's timeout, seconds. */
  timeoutSeconds: number;
  batchSize: number;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  /** Concurrent consumers locally (on AWS, Lambda scales by the queue). */
  localConcurrency: number;
  /** Who may send to it, by handler: routes, stream and sweeper (the CDK grants exactly this). */
  producers: readonly string[];
}

export const QUEUES = {
  events: {
    name: 'events',
    urlVariable: 'EVENTS_QUEUE_URL',
    consumer: 'webhooks/fan-out',
    timeoutSeconds: 30,
    batchSize: 10,
    maxReceiveCount: 5,
    localConcurrency: 2,
    producers: ['events/record-stream'],
  },
  deliveries: {
    name: 'webhook-deliveries',
    urlVariable: 'DELIVERY_QUEUE_URL',
    consumer: 'webhooks/deliver',
    // A 15 s request, its writes, and room to spare.
    timeoutSeconds: 40,
    batchSize: 10,
    maxReceiveCount: 8,
    localConcurrency: 4,
    producers: ['webhooks/fan-out', 'webhooks/deliver', 'webhooks/manage', 'webhooks/sweep'],
  },
  inbound: {
    name: 'inbound-webhooks',
    urlVariable: 'INBOUND_QUEUE_URL',
    consumer: 'webhooks/process-inbound',
    timeoutSeconds: 60,
    batchSize: 5,
    maxReceiveCount: 5,
    localConcurrency: 2,
    producers: ['webhooks/receive-inbound', 'webhooks/manage', 'webhooks/sweep'],
  },
} as const satisfies Record<string, QueueDesign>;

export const visibilityTimeoutSeconds = (queue: QueueDesign) => queue.timeoutSeconds * 6;

/**
 * The records table's stream consumer: audit entries → events (NEW_IMAGE is all it reads). Only
 * records matching `filter` reach it — the event source mapping's filter criteria on AWS, the
 * stream poller's own check locally — so the table's other writes cost it nothing.
 */
export const STREAM_CONSUMER = {
  handler: 'events/record-stream',
  timeoutSeconds: 60,
  batchSize: 100,
  filter: { eventName: 'INSERT', sortKeyPrefix: 'AUDIT#' },
} as const;

/** The sweeper: every minute on AWS, every second (of the hub's time) locally. */
export const SWEEPER = { handler: 'webhooks/sweep', timeoutSeconds: 60, everyMinutes: 1 } as const;
