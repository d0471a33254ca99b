/**
 * Events: what happened to a record, as integrators read it (`GET /v1/events`) and receive it
 * (outbound webhooks). Each comes from one audit entry, which the record's own transaction wrote,
 * so a committed change always has its event and a rolled-back one never does
 * (functions/events/domain/event-catalogue.ts, docs/webhooks.md).
 */
import * as z from 'zod';
import { PageQuery } from './api.ts';
import { Channel, IsoDateTime } from './common.ts';

/** `quote.approved`, `lead.routed`, `webhook.delivery.exhausted`: lower case, dot-separated words. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** What a subscription names: an event type, a prefix wildcard (`quote.*`) or every event (`*`). */
export const EVENT_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

export const EventType = z.string().regex(EVENT_TYPE, { error: 'not an event type, e.g. quote.approved' });
export const EventPattern = z
  .string()
  .max(100)
  .regex(EVENT_PATTERN, { error: 'not an event type or pattern, e.g. quote.approved, quote.* or *' });

export const EventData = z
  .object({
    recordType: z.string(),
    recordId: z.string(),
    version: z.int().meta({ description: 'The record version after the change' }),
    action: z
      .string()
      .meta({ description: 'The audit action behind the event (create, approval-run-approved…)' }),
    actor: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
    channel: Channel,
    summary: z.string().optional(),
    changes: z
      .array(z.object({ field: z.string(), from: z.unknown().optional(), to: z.unknown().optional() }))
      .meta({ description: 'JSON Pointers of the changed fields, with the values unless `truncated`' }),
    truncated: z
      .boolean()
      .optional()
      .meta({ description: 'The values were left out to keep the event small; read the record by its id' }),
  })
  .meta({ id: 'EventData' });

export const JunctionEvent = z
  .object({
    id: z.string().meta({ description: 'Stable: the same change always has the same id (the webhook-id)' }),
    type: EventType,
    timestamp: IsoDateTime,
    data: EventData,
  })
  .meta({ id: 'Event' });
export type JunctionEvent = z.infer<typeof JunctionEvent>;

export const EventListQuery = PageQuery.extend({
  type: EventPattern.optional().meta({ description: 'An event type or a prefix such as quote.*' }),
  record: z
    .string()
    .regex(/^[a-z][a-z-]*:[A-Za-z0-9_]+$/, { error: 'must be type:id, e.g. quote:quo_01J…' })
    .optional(),
  since: IsoDateTime.optional().meta({ description: 'Events at or after this time (default: 30 days ago)' }),
}).meta({ id: 'EventListQuery' });
export type EventListQuery = z.infer<typeof EventListQuery>;
