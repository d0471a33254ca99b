import { httpHandler } from '../shared/http.ts';
import { pageQuery, withCursor } from '../shared/paging.ts';
import { kindOf } from './document-http.ts';
import { entityOf } from './use-cases/document-service.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => {
  const kind = kindOf(request);
  const page = await withCursor(() =>
    documentDeps().store.list(entityOf(kind), {
      filters: [],
      ...pageQuery(request.query),
      includeArchived: false,
    }),
  );
  return {
    status: 200,
    body: { items: page.items.map((head) => ({ ...head, kind: kind.name })), nextCursor: page.nextCursor },
  };
});
