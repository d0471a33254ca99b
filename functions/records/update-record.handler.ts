import { httpHandler } from '../shared/http.ts';
import { recordWriteDeps } from './lifecycles.wiring.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { updateRecord } from './use-cases/update-record.use-case.ts';

export const handler = httpHandler(
  async (request) => {
    const type = recordTypeOf(request);
    const id = request.path.id ?? '';
    return recordResult(
      type,
      await updateRecord(
        recordWriteDeps(),
        type,
        id,
        request.body,
        request.headers['if-match'],
        sourceOf(request),
      ),
    );
  },
  { accepts: ['application/merge-patch+json', 'application/json'] },
);
