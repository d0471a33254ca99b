import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { recordWriteDeps } from './lifecycles.wiring.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { createRecord } from './use-cases/create-record.use-case.ts';

export const handler = httpHandler(
  async (request) => {
    const type = recordTypeOf(request);
    const record = await createRecord(recordWriteDeps(), type, request.body, sourceOf(request));
    return recordResult(type, record, 201, { location: `${request.event.rawPath}/${record.id}` });
  },
  { accepts: ['application/json'], idempotency: idempotency() },
);
