/**
 * An inbound webhook source: a system that may POST signed events to
 * `/v1/webhooks/inbound/{source}`. Admins own it as data: how its requests are signed, how long a
 * signed timestamp stays good, how big a body may be, and what Junction does with what it sends.
 * The secret is never part of the document: it lives in SSM Parameter Store
 * (`PUT /v1/webhooks/sources/{source}/secret`), so versions and their diffs never show it.
 */
import * as z from 'zod';
import { text } from '../common.ts';

export const SIGNATURE_SCHEMES = ['standard-webhooks', 'stripe', 'github', 'hubspot-v3'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/**
 * What a verified message drives: `lead` takes the body (or a Standard Webhooks `data`) through the
 * lead intake; `erp` takes `shipment.created` and `payment.received` into order-to-cash; `store`
 * keeps it and raises an `inbound.received` event for subscribers to act on.
 */
export const INBOUND_MAPPINGS = ['lead', 'erp', 'store'] as const;

export const SourceSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,40}$/, { error: 'must be 2–41 lower-case letters, digits or -' });

export const WebhookSource = z
  .strictObject({
    name: text(100),
    source: SourceSlug.meta({ description: 'The {source} in /v1/webhooks/inbound/{source}' }),
    scheme: z.enum(SIGNATURE_SCHEMES),
    mapping: z.enum(INBOUND_MAPPINGS),
    toleranceSeconds: z
      .int()
      .min(30)
      .max(600)
      .default(300)
      .meta({ description: 'How far a signed timestamp may be from now (schemes that sign one)' }),
    maxBodyBytes: z.int().min(1024).max(262_144).default(262_144),
  })
  .meta({ id: 'WebhookSource' });
export type WebhookSource = z.infer<typeof WebhookSource>;
