import { httpHandler } from '../shared/http.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { updateRecord } from './update-record.use-case.ts';
import { recordDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => {
    const type = recordTypeOf(request);
    const id = request.path.id ?? '';
    return recordResult(
      type,
      await updateRecord(
        recordDeps(),
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
