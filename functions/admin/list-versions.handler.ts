import { httpHandler } from '../shared/http.ts';
import { kindOf } from './document-http.ts';
import { loadHead } from './use-cases/document-service.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => {
  const kind = kindOf(request);
  const deps = documentDeps();
  const head = await loadHead(deps, kind, request.path.id ?? '');
  const versions = await deps.versions.list(kind.name, head.id);
  return {
    status: 200,
    body: {
      items: versions.map((v) => ({ ...v, active: v.version === head.activeVersion })),
      nextCursor: null,
    },
  };
});
