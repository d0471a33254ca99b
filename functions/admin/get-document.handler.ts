import { etagOf } from '../records/record-changes.ts';
import { httpHandler } from '../shared/http.ts';
import { kindOf } from './document-http.ts';
import { documentDeps, loadHead, presentDocument } from './document-service.ts';

export const handler = httpHandler(async (request) => {
  const kind = kindOf(request);
  const deps = documentDeps();
  const head = await loadHead(deps, kind, request.path.id ?? '');
  return {
    status: 200,
    body: await presentDocument(deps, kind, head),
    headers: { etag: etagOf(head.version) },
  };
});
