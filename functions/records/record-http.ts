/** Glue between HTTP requests and the record use cases, shared by the record handlers. */
import type { StoredRecord } from '#schemas/common';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { etagOf } from './domain/record-changes.ts';
import { RECORD_TYPES, type RecordType } from './domain/record-types.ts';
import type { ChangeSource } from './ports.ts';

export function recordTypeOf(request: ApiRequest): RecordType {
  const name = request.route.recordType;
  if (!name) throw new Error(`route ${request.route.path} is not a record route`);
  return RECORD_TYPES[name];
}

export function sourceOf(request: ApiRequest): ChangeSource {
  const { principal, client } = request;
  return {
    actor: { id: principal.id, name: principal.name, role: principal.role, kind: principal.kind },
    channel: 'api',
    context: { ip: client.ip, userAgent: client.userAgent, correlationId: client.correlationId },
    writer: {
      role: principal.role,
      ...(principal.userId ? { userId: principal.userId } : {}),
      ...(principal.grants?.length ? { grants: principal.grants } : {}),
    },
  };
}

const SYSTEM_ORDER = ['version', 'archived', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy'];

/** The record with its fields in a stable, readable order: id, the type's fields, then system fields. */
export function present(type: RecordType, record: StoredRecord): Record<string, unknown> {
  const order = [
    'id',
    ...Object.keys(type.input.shape),
    ...Object.keys(type.serverFields?.shape ?? {}),
    ...SYSTEM_ORDER,
  ];
  const rank = new Map(order.map((key, i) => [key, i]));
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (rank.get(a) ?? order.length) - (rank.get(b) ?? order.length)),
  );
}

export const recordResult = (
  type: RecordType,
  record: StoredRecord,
  status = 200,
  headers: Record<string, string> = {},
): ApiResult => ({
  status,
  body: present(type, record),
  headers: { etag: etagOf(record.version), ...headers },
});
