import type { StoredRecord } from '#schemas/common';
import { type CONTACT_KINDS, LeadContactActivity } from '#schemas/records/lead';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { diff } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import {
  auditEntry,
  businessFields,
  loadRecord,
  withRetries,
} from '../../records/use-cases/record-service.ts';
import { conflict, invalidFields, parseOrThrow } from '../../shared/errors.ts';

const LABEL: Record<(typeof CONTACT_KINDS)[number], string> = {
  call: 'Call',
  email: 'Email',
  meeting: 'Meeting',
  sms: 'Text message',
};

/**
 * Logs a contact with a lead — a call, an email, a meeting — which is what its follow-up waits for.
 * 1. Validate: a known kind, a time not in the future.
 * 2. The lead must be live; a new lead becomes `working`, and `lastContactAt` moves forward.
 * 3. Write the lead and an audit entry saying who contacted it how, in one transaction.
 */
export async function logContact(
  deps: RecordDeps,
  leadId: string,
  body: unknown,
  source: ChangeSource,
): Promise<StoredRecord> {
  const activity = parseOrThrow(LeadContactActivity, body);
  const now = deps.now();
  const at = activity.at ? new Date(activity.at) : now;
  if (at.getTime() > now.getTime() + 60_000)
    throw invalidFields([{ pointer: '/at', detail: 'must not be in the future', code: 'too_big' }]);
  const type = RECORD_TYPES.lead;
  return withRetries(
    async () => {
      const current = await loadRecord(deps, type, leadId);
      if (current.archived)
        throw conflict('archived', 'Record archived', `Lead ${leadId} is archived; restore it first.`);
      const previous = typeof current.lastContactAt === 'string' ? current.lastContactAt : undefined;
      const lastContactAt = previous && Date.parse(previous) > at.getTime() ? previous : at.toISOString();
      const next: StoredRecord = {
        ...current,
        lastContactAt,
        ...(current.status === 'new' ? { status: 'working' } : {}),
        version: current.version + 1,
        updatedAt: now.toISOString(),
        updatedBy: source.actor.id,
      };
      const who = source.actor.name;
      const summary = `${LABEL[activity.kind]} logged by ${who}${activity.summary ? `: ${activity.summary}` : ''}`;
      const entry = auditEntry(
        deps,
        type,
        next,
        'contact-logged',
        diff(businessFields(current), businessFields(next)),
        source,
        summary,
      );
      entry.context = { ...source.context, kind: activity.kind, contactAt: at.toISOString() };
      await deps.store.replace(type, current, next, entry);
      return next;
    },
    (error) => error instanceof TransactionConflictError || error instanceof VersionConflictError,
  );
}
