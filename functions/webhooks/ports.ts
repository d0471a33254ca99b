/**
 * What the webhook use cases need from the world (production wiring in ./wiring.ts): the records
 * (endpoints are records, so their changes have history and events), the delivery and inbound
 * stores, the queues, the secrets in SSM, the guarded HTTP sender, and how owners are told.
 */
import type { EmailMessage } from '#connectors/email/email-sender';
import type { MessageQueue } from '#connectors/queues/message-queue';
import type { SecretStore } from '#connectors/secrets/secret-store';
import type { WebhookSender } from '#connectors/webhooks/webhook-sender';
import type { EventStore } from '#store/events';
import type { InboundWebhookStore } from '#store/inbound-webhooks';
import type { WebhookDeliveryStore } from '#store/webhook-deliveries';
import type { DocumentDeps } from '../admin/ports.ts';
import type { RecordDeps } from '../records/ports.ts';

/** The SSM path every webhook secret is kept under, on AWS and in the local hub. */
export const WEBHOOK_SECRET_PREFIX = '/junction/webhooks';

/** Where secrets live in SSM: one parameter per endpoint or source, a JSON list of secrets. */
export const SECRET_PATHS = {
  endpoint: (prefix: string, id: string) => `${prefix}/endpoints/${id}`,
  source: (prefix: string, source: string) => `${prefix}/sources/${source}`,
};

export interface WebhookDeps extends RecordDeps {
  deliveries: Pick<
    WebhookDeliveryStore,
    'create' | 'get' | 'claim' | 'save' | 'requeue' | 'due' | 'listByStatus' | 'logAttempt' | 'attempts'
  >;
  events: Pick<EventStore, 'get' | 'put' | 'list'>;
  secrets: SecretStore;
  /** The SSM path secrets are kept under, e.g. /junction/webhooks. */
  secretPrefix: string;
  deliveryQueue: MessageQueue;
  /** How much faster than the clock retry delays pass (the local hub's time scale; 1 on AWS). */
  timeScale: number;
  random: () => number;
  /** Tells an endpoint's owner something went wrong (an email through the outbox, once per key). */
  notify: (key: string, message: Omit<EmailMessage, 'to'>, to: string[]) => Promise<void>;
  /** The emails of the active admins, for endpoints without a contact. */
  adminEmails: () => Promise<string[]>;
}

export interface DeliveryDeps extends WebhookDeps {
  sender: WebhookSender;
  /** Per-endpoint rate limit: allowed, or how long until there is room. */
  rateLimit: (
    endpointId: string,
    perSecond: number,
    now: Date,
  ) => Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

/** What a verified inbound message does (the lead intake, order-to-cash); its result is kept with it. */
export type InboundApply = (
  mapping: 'lead' | 'erp' | 'store',
  message: { id: string; source: string; body: unknown },
) => Promise<Record<string, unknown>>;

export interface InboundDeps extends DocumentDeps {
  inbound: Pick<
    InboundWebhookStore,
    'receive' | 'get' | 'claim' | 'processed' | 'failed' | 'requeue' | 'swept' | 'listByStatus'
  >;
  secrets: SecretStore;
  secretPrefix: string;
  inboundQueue: MessageQueue;
  apply: InboundApply;
}
