import { httpHandler } from '../shared/http.ts';
import { pageQuery, withCursor } from '../shared/paging.ts';
import { kindOf } from './document-http.ts';
import { loadHead } from './use-cases/document-service.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => {
  const kind = kindOf(request);
  const { limit, cursor } = pageQuery(request.query);
  const deps = documentDeps();
  const head = await loadHead(deps, kind, request.path.id ?? '');
  return { status: 200, body: await withCursor(() => deps.store.history(kind.name, head.id, limit, cursor)) };
});
