import { httpHandler } from '../shared/http.ts';
import { recordResult, recordTypeOf } from './record-http.ts';
import { loadRecord, recordDeps } from './record-service.ts';

export const handler = httpHandler(async (request) =>
  recordResult(await loadRecord(recordDeps(), recordTypeOf(request), request.path.id ?? '')),
);
