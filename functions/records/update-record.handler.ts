import { httpHandler } from '../shared/http.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { recordDeps } from './record-service.ts';
import { updateRecord } from './update-record.use-case.ts';

export const handler = httpHandler(
  async (request) =>
    recordResult(
      await updateRecord(
        recordDeps(),
        recordTypeOf(request),
        request.path.id ?? '',
        request.body,
        request.headers['if-match'],
        sourceOf(request),
      ),
    ),
  { accepts: ['application/merge-patch+json', 'application/json'] },
);
