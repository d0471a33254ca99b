/**
 * The follow-up flow's own entries in a lead's history. Each carries the key of the event it
 * records (`context.eventKey`), so a retried task first looks for its event and does not do, or
 * write, the same thing twice.
 */
import { ulid } from 'ulid';
import type { Actor, AuditEntry } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import type { RecordPort } from '../../records/ports.ts';

/** Who the flow's entries are by. */
export const LEAD_FLOW_ACTOR: Actor = { id: 'lead-routing', name: 'Lead routing', kind: 'workflow' };

/** Whether the lead's history already records the event (looked for among its newest entries). */
export async function hasEvent(
  store: Pick<RecordPort, 'history'>,
  leadId: string,
  key: string,
): Promise<boolean> {
  const page = await store.history('lead', leadId, 100);
  return page.items.some((entry) => entry.context?.eventKey === key);
}

/** Adds an event of the flow to the lead's history, at its own time. */
export async function appendLeadEvent(
  store: Pick<RecordPort, 'appendHistory'>,
  lead: StoredRecord,
  event: { key: string; at: string; action: string; summary: string; context?: Record<string, unknown> },
): Promise<void> {
  const entry: AuditEntry = {
    id: ulid(Date.parse(event.at)),
    recordType: 'lead',
    recordId: lead.id,
    version: lead.version,
    action: event.action,
    at: event.at,
    actor: LEAD_FLOW_ACTOR,
    channel: 'workflow',
    changes: [],
    summary: event.summary,
    context: { ...event.context, eventKey: event.key },
  };
  await store.appendHistory('lead', entry);
}
