import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { createRecord } from './create-record.use-case.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { recordDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => {
    const type = recordTypeOf(request);
    const record = await createRecord(recordDeps(), type, request.body, sourceOf(request));
    return recordResult(type, record, 201, { location: `${request.event.rawPath}/${record.id}` });
  },
  { accepts: ['application/json'], idempotency: idempotency() },
);
