/**
 * Production wiring of the webhook functions, read once at cold start:
 *   TABLE_NAME                the records table (endpoints, deliveries, attempts, events)
 *   WEBHOOK_SECRET_PREFIX     the SSM path the signing secrets are kept under (/junction/webhooks)
 *   DELIVERY_QUEUE_URL        the deliveries queue (fan-out, delivery, replays, the sweeper)
 *   INBOUND_QUEUE_URL         the inbound queue (the sweeper)
 *   WEBHOOK_EMAIL_FROM        where notices to endpoint owners come from (delivery only)
 *   WEBHOOK_ALLOW_HTTP        `true` lets endpoints use plain http (the local hub only)
 *   WEBHOOK_ALLOW_PRIVATE     SSRF guard exceptions, comma-separated: `loopback`, `host:port` (local only)
 *   WEBHOOK_TIME_SCALE        how much faster retry delays pass (the local hub's time scale)
 */
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import type { MessageQueue } from '#connectors/queues/message-queue';
import { SqsQueue } from '#connectors/queues/sqs-queue';
import { SsmSecretStore } from '#connectors/secrets/ssm-secret-store';
import { HttpWebhookSender } from '#connectors/webhooks/http-webhook-sender';
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { EventStore } from '#store/events';
import { MessageOutbox } from '#store/message-outbox';
import { RateLimits } from '#store/rate-limits';
import { WebhookDeliveryStore } from '#store/webhook-deliveries';
import { recordDirectory } from '../approvals/adapters/record-directory.ts';
import { recordDeps } from '../records/wiring.ts';
import { deliverOnce } from '../shared/deliver-once.ts';
import type { DeliveryDeps, WebhookDeps } from './ports.ts';
import type { EndpointPolicy } from './use-cases/endpoints.use-case.ts';

export const WebhookEnv = TableEnv.extend({
  WEBHOOK_SECRET_PREFIX: z.string().regex(/^\/[A-Za-z0-9_./-]+$/, {
    error: 'WEBHOOK_SECRET_PREFIX must be an SSM path such as /junction/webhooks',
  }),
  DELIVERY_QUEUE_URL: z.url().optional(),
  INBOUND_QUEUE_URL: z.url().optional(),
  WEBHOOK_EMAIL_FROM: z.string().optional(),
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
  WEBHOOK_ALLOW_PRIVATE: z.string().default(''),
  WEBHOOK_TIME_SCALE: z.coerce.number().positive().default(1),
});

/** A queue this function was not given: using it is a wiring bug, said plainly. */
export const missingQueue = (variable: string): MessageQueue => ({
  send: async () => {
    throw new Error(`${variable} is not set: this function does not use that queue`);
  },
});

export const queueOf = (url: string | undefined, variable: string) =>
  url ? new SqsQueue(url) : missingQueue(variable);

let policy: EndpointPolicy | undefined;
export function endpointPolicy(): EndpointPolicy {
  if (policy) return policy;
  const config = loadConfig(WebhookEnv);
  policy = {
    allowHttp: config.WEBHOOK_ALLOW_HTTP === 'true',
    allow: config.WEBHOOK_ALLOW_PRIVATE.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  return policy;
}

let deps: DeliveryDeps | undefined;
/** Everything the webhook functions use; what a function was not given fails only if it is used. */
export function webhookDeps(): DeliveryDeps {
  if (deps) return deps;
  const config = loadConfig(WebhookEnv);
  const records = recordDeps();
  const outbox = new MessageOutbox(documents, config.TABLE_NAME);
  const from = config.WEBHOOK_EMAIL_FROM;
  const email = from ? new SesEmailSender({ from }) : undefined;
  const limits = new RateLimits(documents, config.TABLE_NAME);
  const base: WebhookDeps = {
    ...records,
    deliveries: new WebhookDeliveryStore(documents, config.TABLE_NAME),
    events: new EventStore(documents, config.TABLE_NAME),
    secrets: new SsmSecretStore(),
    secretPrefix: config.WEBHOOK_SECRET_PREFIX,
    deliveryQueue: queueOf(config.DELIVERY_QUEUE_URL, 'DELIVERY_QUEUE_URL'),
    timeScale: config.WEBHOOK_TIME_SCALE,
    random: Math.random,
    notify: async (key, message, to) => {
      if (!email) throw new Error('WEBHOOK_EMAIL_FROM is not set: endpoint owners cannot be told');
      await deliverOnce({ outbox, email, now: records.now }, key, { email: { ...message, to } });
    },
    adminEmails: async () =>
      (await recordDirectory(records.store).usersWithRole('admin'))
        .filter((u) => u.active && u.email)
        .map((u) => u.email as string),
  };
  deps = {
    ...base,
    sender: new HttpWebhookSender({ allow: endpointPolicy().allow }),
    rateLimit: async (endpointId, perSecond, now) => {
      const hit = await limits.hit('webhook', endpointId, { requests: perSecond, windowSeconds: 1 }, now);
      return hit.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: hit.retryAfterSeconds };
    },
  };
  return deps;
}
