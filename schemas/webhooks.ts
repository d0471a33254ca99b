/**
 * Outbound webhook subscriptions, their deliveries and attempts, and inbound webhook messages, as
 * the API takes and shows them (functions/webhooks/, docs/webhooks.md).
 */
import * as z from 'zod';
import { PageQuery } from './api.ts';
import { Email, IsoDateTime, longText, text } from './common.ts';
import { EventPattern } from './events.ts';

/** Absolute http(s) URL without credentials; whether it may be reached is the SSRF guard's call. */
export const EndpointUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute https URL without credentials' },
  );

const EndpointFields = {
  url: EndpointUrl,
  description: text(200).optional(),
  eventTypes: z.array(EventPattern).min(1, { error: 'name at least one event type, or *' }).max(50).meta({
    description: 'Types or patterns: quote.approved, quote.*, * (which leaves out webhook.* notices)',
  }),
  enabled: z.boolean().default(true),
  rateLimitPerSecond: z
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .meta({ description: 'At most this many deliveries a second; more wait their turn and lose no attempt' }),
  contactEmail: Email.optional().meta({
    description:
      'Who is told when deliveries are exhausted or the endpoint is disabled (default: the admins)',
  }),
};

export const EndpointInput = z.strictObject(EndpointFields).meta({ id: 'WebhookEndpointInput' });
export type EndpointInput = z.infer<typeof EndpointInput>;

export const EndpointPatch = z
  .strictObject({
    url: EndpointFields.url.optional(),
    description: EndpointFields.description,
    eventTypes: EndpointFields.eventTypes.optional(),
    enabled: z.boolean().optional(),
    rateLimitPerSecond: z.int().min(1).max(1000).optional(),
    contactEmail: EndpointFields.contactEmail,
  })
  .refine((patch) => Object.keys(patch).length > 0, { error: 'name at least one field to change' })
  .meta({ id: 'WebhookEndpointPatch' });

export const RotateSecretInput = z
  .strictObject({
    graceHours: z
      .int()
      .min(0)
      .max(168)
      .default(24)
      .meta({ description: 'How long the old secret still signs (both signatures are sent meanwhile)' }),
  })
  .meta({ id: 'RotateWebhookSecret' });

export const EndpointView = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().optional(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    disabledReason: z.string().optional(),
    rateLimitPerSecond: z.int(),
    contactEmail: z.string().optional(),
    ownerId: z.string().meta({ description: 'The API key or user that created it' }),
    failingSince: IsoDateTime.optional().meta({ description: 'First failure since the last success' }),
    lastSuccessAt: IsoDateTime.optional(),
    version: z.int(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .meta({ id: 'WebhookEndpoint' });

export const SecretView = z
  .object({
    secret: z.string().meta({ description: 'whsec_… — signs from now on' }),
    previous: z
      .array(z.object({ secret: z.string(), validUntil: IsoDateTime }))
      .meta({ description: 'Older secrets still signing during their grace period' }),
  })
  .meta({ id: 'WebhookSecret' });

export const ATTEMPT_OUTCOMES = ['delivered', 'failed', 'throttled', 'refused', 'gone'] as const;
export const AttemptView = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    attempt: z.int().meta({ description: 'Counted attempts so far (throttled ones do not count)' }),
    at: IsoDateTime,
    outcome: z.enum(ATTEMPT_OUTCOMES),
    status: z.int().optional().meta({ description: 'The HTTP status the receiver answered' }),
    latencyMs: z.int(),
    response: z.string().optional().meta({ description: 'The first 1 KB of the answer' }),
    error: z.string().optional(),
    nextAttemptAt: IsoDateTime.optional(),
  })
  .meta({ id: 'WebhookAttempt' });

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export const DeliveryView = z
  .object({
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.int(),
    createdAt: IsoDateTime,
    lastAttemptAt: IsoDateTime.optional(),
    nextAttemptAt: IsoDateTime.optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'WebhookDelivery' });

export const AttemptListQuery = PageQuery.extend({
  event: z.string().max(100).optional(),
}).meta({ id: 'WebhookAttemptListQuery' });

export const DeliveryListQuery = PageQuery.extend({
  status: z.enum(DELIVERY_STATUSES).default('failed'),
}).meta({ id: 'WebhookDeliveryListQuery' });

export const BulkReplayInput = z
  .strictObject({
    since: IsoDateTime.meta({ description: 'Deliveries that failed at or after this time' }),
    until: IsoDateTime.optional(),
    eventTypes: z.array(EventPattern).max(50).optional(),
  })
  .meta({ id: 'WebhookBulkReplay' });

export const INBOUND_STATUSES = ['received', 'processed', 'failed'] as const;
export const InboundView = z
  .object({
    id: z.string(),
    source: z.string(),
    providerId: z
      .string()
      .meta({ description: 'The provider’s event id: what duplicates are told apart by' }),
    status: z.enum(INBOUND_STATUSES),
    receivedAt: IsoDateTime,
    processedAt: IsoDateTime.optional(),
    attempts: z.int(),
    error: z.string().optional(),
    result: z.record(z.string(), z.unknown()).optional(),
    body: longText(300_000).meta({ description: 'The raw body as received (verified)' }),
  })
  .meta({ id: 'InboundWebhook' });

export const InboundListQuery = PageQuery.extend({
  status: z.enum(INBOUND_STATUSES).default('failed'),
}).meta({ id: 'InboundWebhookListQuery' });

export const InboundSecretInput = z
  .strictObject({
    secret: z.string().min(16, { error: 'must be at least 16 characters' }).max(512),
    graceHours: z.int().min(0).max(168).default(24),
  })
  .meta({ id: 'InboundWebhookSecret' });
