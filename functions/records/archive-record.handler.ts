import { httpHandler } from '../shared/http.ts';
import { setArchived } from './archive-record.use-case.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { recordDeps } from './record-service.ts';

/** DELETE archives; POST …/restore brings the record back. */
export const handler = httpHandler(async (request) => {
  const archive = request.route.method === 'DELETE';
  const record = await setArchived(
    recordDeps(),
    recordTypeOf(request),
    request.path.id ?? '',
    archive,
    request.headers['if-match'],
    sourceOf(request),
  );
  return recordResult(record);
});
