/** Glue between HTTP requests and the record use cases, shared by the record handlers. */
import type { StoredRecord } from '#store/record-store';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { etagOf } from './record-changes.ts';
import type { ChangeSource } from './record-service.ts';
import { RECORD_TYPES, type RecordType } from './record-types.ts';

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
  };
}

export const recordResult = (
  record: StoredRecord,
  status = 200,
  headers: Record<string, string> = {},
): ApiResult => ({
  status,
  body: record,
  headers: { etag: etagOf(record.version), ...headers },
});
