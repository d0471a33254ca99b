import { httpHandler } from '../shared/http.ts';
import { listRecords } from './list-records.use-case.ts';
import { recordTypeOf } from './record-http.ts';
import { recordDeps } from './record-service.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await listRecords(recordDeps(), recordTypeOf(request), request.query),
}));
