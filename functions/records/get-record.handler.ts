import { httpHandler } from '../shared/http.ts';
import { recordResult, recordTypeOf } from './record-http.ts';
import { loadRecord } from './use-cases/record-service.ts';
import { recordDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => {
  const type = recordTypeOf(request);
  return recordResult(type, await loadRecord(recordDeps(), type, request.path.id ?? ''));
});
