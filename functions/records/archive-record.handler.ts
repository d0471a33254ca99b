import { httpHandler } from '../shared/http.ts';
import { recordResult, recordTypeOf, sourceOf } from './record-http.ts';
import { setArchived } from './use-cases/archive-record.use-case.ts';
import { recordDeps } from './wiring.ts';

/** DELETE archives; POST …/restore brings the record back. */
export const handler = httpHandler(async (request) => {
  const type = recordTypeOf(request);
  const archive = request.route.method === 'DELETE';
  const id = request.path.id ?? '';
  return recordResult(
    type,
    await setArchived(recordDeps(), type, id, archive, request.headers['if-match'], sourceOf(request)),
  );
});
