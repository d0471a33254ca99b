/**
 * Changes to a ticket that a merge patch cannot express — a reply, an SLA event, an automatic
 * close, a customer's rating — written like every other change: one version up, one audit entry,
 * one transaction, the SLA clocks moved by the ticket lifecycle.
 */
import type { Actor } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import type { DocumentTransactItem } from '#store/record-store';
import { diff } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import {
  auditEntry,
  businessFields,
  loadRecord,
  withRetries,
} from '../../records/use-cases/record-service.ts';

export const TICKET = RECORD_TYPES.ticket;

/** Who the SLA workflow's own entries in a ticket's history are by. */
export const SLA_ACTOR: Actor = { id: 'ticket-sla', name: 'Ticket SLA', kind: 'workflow' };
export const SLA_SOURCE: ChangeSource = { actor: SLA_ACTOR, channel: 'workflow' };

export interface TicketChange {
  /** Fields that replace the ticket's: status, replies, the SLA, the rating. */
  fields: Record<string, unknown>;
  /** The audit action: reply, sla-escalation, auto-close, survey-answer … */
  action: string;
  summary: string;
  /** Writes that must happen with the change or not at all (a survey link answered). */
  extra?: DocumentTransactItem[];
}

/**
 * Writes one change to a ticket.
 * 1. Read the ticket; `change` decides from what it finds what to write, or nothing (undefined).
 * 2. The lifecycle moves the SLA clocks for the new status and carries the server fields.
 * 3. Write version + 1, its audit entry and any extra items in one transaction, conditioned on
 *    the version read; a lost race reads again and decides again.
 * 4. The lifecycle starts the SLA workflow's next generation when the schedule changed.
 */
export async function writeTicket(
  deps: RecordDeps,
  id: string,
  change: (current: StoredRecord) => TicketChange | undefined,
  source: ChangeSource,
): Promise<StoredRecord> {
  const lifecycle = await deps.lifecycleOf?.(TICKET);
  return withRetries(
    async () => {
      const current = await loadRecord(deps, TICKET, id);
      const decided = change(current);
      if (!decided) return current;
      const at = deps.now().toISOString();
      const draft = { ...current, ...decided.fields, updatedAt: at } as StoredRecord;
      const prepared = lifecycle ? await lifecycle.prepare(deps, draft, current) : {};
      const next: StoredRecord = {
        ...draft,
        ...prepared,
        version: current.version + 1,
        updatedAt: at,
        updatedBy: source.actor.id,
      };
      const changes = diff(businessFields(current), businessFields(next));
      await deps.store.replace(
        TICKET,
        current,
        next,
        auditEntry(deps, TICKET, next, decided.action, changes, source, decided.summary),
        decided.extra,
      );
      await lifecycle?.afterWrite(deps, next, current);
      return next;
    },
    (error) => error instanceof TransactionConflictError || error instanceof VersionConflictError,
  );
}
