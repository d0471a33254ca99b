/**
 * From an audit entry to the events integrators see. Every record change writes one audit entry in
 * its own transaction, so deriving events from audit entries (read off the table's stream) means a
 * committed change always yields its events and a rolled-back one never does.
 *
 * Types are `{record type}.{what happened}`: the four record changes read as past tenses
 * (`quote.created`, `quote.updated`, `quote.archived`, `quote.restored`); business outcomes name
 * the outcome (`quote.approved`, `lead.routed`, `ticket.sla_breached`, `order.cancelled`); any other
 * workflow action keeps its own name in snake case (`order.credit_hold`). docs/webhooks.md lists them.
 */
import type { AuditEntry } from '#schemas/audit';
import type { JunctionEvent } from '#schemas/events';

/** Past tenses of the record changes and the names of outcomes, by audit action. */
const NAMES: Record<string, string> = {
  create: 'created',
  update: 'updated',
  archive: 'archived',
  restore: 'restored',
  merge: 'merged',
  cancel: 'cancelled',
  close: 'closed',
  confirm: 'confirmed',
  compensate: 'compensated',
  'sla-breach': 'sla_breached',
  'sla-escalation': 'sla_escalated',
  'auto-close': 'closed',
  'credit-hold': 'credit_held',
  'credit-released': 'credit_released',
  'credit-refused': 'credit_refused',
  'erp-sync': 'synced_to_erp',
  'dunning-sent': 'dunning_sent',
  reassigned: 'reassigned',
  escalated: 'escalated',
};

/** Events whose values would make a webhook body larger than this carry field names only. */
export const MAX_CHANGES_BYTES = 16 * 1024;

const snake = (value: string) => value.replace(/-/g, '_');

/** Record types whose events sit under another name: an endpoint's are webhook notices. */
const TYPE_NAMES: Record<string, string> = { 'webhook-endpoint': 'webhook.endpoint' };

/** What happened, as the second part of an event type. */
export function outcomeOf(action: string): string {
  const run = /^approval-run-([a-z-]+)$/.exec(action);
  if (run?.[1]) return snake(run[1]);
  return NAMES[action] ?? snake(action);
}

/** A lead got its owner from routing: at intake (create or merge) with a routing decision. */
const routed = (entry: AuditEntry) =>
  entry.recordType === 'lead' &&
  (entry.action === 'create' || entry.action === 'merge') &&
  entry.changes.some((c) => c.field === '/routing' || c.field === '/ownerId');

/** The events one audit entry stands for: one, or two for a lead routed at intake. */
export function eventsOf(entry: AuditEntry): JunctionEvent[] {
  const recordType = TYPE_NAMES[entry.recordType] ?? snake(entry.recordType);
  const full = JSON.stringify(entry.changes);
  const small = Buffer.byteLength(full) <= MAX_CHANGES_BYTES;
  const data: JunctionEvent['data'] = {
    recordType: entry.recordType,
    recordId: entry.recordId,
    version: entry.version,
    action: entry.action,
    actor: { id: entry.actor.id, name: entry.actor.name, kind: entry.actor.kind },
    channel: entry.channel,
    ...(entry.summary ? { summary: entry.summary } : {}),
    changes: small ? entry.changes : entry.changes.map((c) => ({ field: c.field })),
    ...(small ? {} : { truncated: true }),
  };
  const base: JunctionEvent = {
    id: `evt_${entry.id}`,
    type: `${recordType}.${outcomeOf(entry.action)}`,
    timestamp: entry.at,
    data,
  };
  return routed(entry) ? [base, { ...base, id: `${base.id}_routed`, type: 'lead.routed' }] : [base];
}

/** Notices about the webhooks themselves; `*` leaves them out, so a failing endpoint cannot feed itself. */
export const NOTICE_PREFIX = 'webhook.';

/** Whether a subscription's patterns take an event type: exact, `prefix.*`, or `*`. */
export function matches(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === '*') return !type.startsWith(NOTICE_PREFIX);
    if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
    return pattern === type;
  });
}
