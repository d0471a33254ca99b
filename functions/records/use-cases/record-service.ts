/**
 * What every record use case shares: the store, the clock, id generation, and the checks that
 * turn a request into a valid next version of a record (references exist, server fields derived).
 */
import type { AuditEntry, FieldChange } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import type { UniqueConflictError } from '#store/errors';
import {
  Contention,
  conflict,
  type DomainError,
  type FieldError,
  invalidFields,
  notFound,
  toPointer,
} from '../../shared/errors.ts';
import type { RecordType } from '../domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../ports.ts';

/** A unique value another record holds: which field, and who holds it when the store knows. */
export const uniqueValueTaken = (type: Pick<RecordType, 'label'>, error: UniqueConflictError): DomainError =>
  conflict('unique-value-taken', 'Value already taken', `${type.label} ${error.message}.`, {
    field: `/${error.field}`,
    ...(error.heldBy ? { heldBy: error.heldBy } : {}),
  });

/** Reads a record by id, answering 404 for ids of another type or shape without a database call. */
export async function loadRecord(deps: RecordDeps, type: RecordType, id: string): Promise<StoredRecord> {
  const pattern = new RegExp(`^${type.idPrefix}_[0-9A-HJKMNP-TV-Z]{26}$`);
  const record = pattern.test(id) ? await deps.store.get(type.name, id) : undefined;
  if (!record) throw notFound(`No ${type.label.toLowerCase()} with id "${id.slice(0, 64)}".`);
  return record;
}

/**
 * Checks that referenced records exist and are live, then derives server-owned fields.
 * Both failures are field errors on the request body.
 */
export async function resolveAndDerive(
  deps: RecordDeps,
  type: RecordType,
  input: Record<string, unknown>,
  current?: StoredRecord,
): Promise<Record<string, unknown>> {
  const references = type.references(input);
  const found = await deps.store.getMany(references.map((r) => ({ type: r.type, id: r.id })));
  const errors: FieldError[] = [];
  for (const ref of references) {
    const record = found.get(`${ref.type}#${ref.id}`);
    if (!record)
      errors.push({
        pointer: toPointer(ref.path),
        detail: `no ${ref.type} with id "${ref.id}" exists`,
        code: 'unknown_reference',
      });
    else if (record.archived)
      errors.push({
        pointer: toPointer(ref.path),
        detail: `${ref.type} ${ref.id} is archived`,
        code: 'archived_reference',
      });
  }
  if (errors.length > 0) throw invalidFields(errors);
  if (!type.derive) return {};
  const derived = type.derive(input, found, current);
  if (!derived.ok) {
    throw invalidFields(
      derived.issues.map((i) => ({ pointer: toPointer(i.path), detail: i.message, code: 'invalid_value' })),
    );
  }
  return derived.fields;
}

/** The record without its system fields: what audit diffs compare. */
export function businessFields(record: StoredRecord): Record<string, unknown> {
  const {
    id: _id,
    version: _v,
    createdAt: _c,
    updatedAt: _u,
    createdBy: _cb,
    updatedBy: _ub,
    archived: _a,
    ...rest
  } = record;
  return rest;
}

export function auditEntry(
  deps: RecordDeps,
  type: { name: string },
  record: StoredRecord,
  action: string,
  changes: FieldChange[],
  source: ChangeSource,
  summary?: string,
): AuditEntry {
  return {
    id: deps.newId('aud').slice(4),
    recordType: type.name,
    recordId: record.id,
    version: record.version,
    action,
    at: record.updatedAt,
    actor: source.actor,
    channel: source.channel,
    changes,
    ...(summary ? { summary } : {}),
    ...(source.context ? { context: source.context } : {}),
  };
}

/**
 * Retries an optimistic write that lost a race it may retry, with full-jitter exponential
 * backoff. When every attempt loses, the caller gets a 409 to retry later — contention is never
 * a server error.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  tries = 8,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error)) throw error;
      if (i >= tries) {
        throw new Contention('The record is being changed by others right now; retry shortly.', 1);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 10 * 2 ** i)));
    }
  }
}
