import { etagOf } from '../records/domain/record-changes.ts';
import { httpHandler } from '../shared/http.ts';
import { kindOf } from './document-http.ts';
import { loadHead, presentDocument } from './use-cases/document-service.ts';
import { documentDeps } from './wiring.ts';

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
