import { httpHandler } from '../shared/http.ts';
import { present, recordTypeOf } from './record-http.ts';
import { listRecords } from './use-cases/list-records.use-case.ts';
import { recordDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => {
  const type = recordTypeOf(request);
  const page = await listRecords(recordDeps(), type, request.query);
  return {
    status: 200,
    body: { items: page.items.map((record) => present(type, record)), nextCursor: page.nextCursor },
  };
});
