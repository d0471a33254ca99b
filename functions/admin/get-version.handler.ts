import { httpHandler } from '../shared/http.ts';
import { kindOf, versionParam } from './document-http.ts';
import { loadHead, loadVersion } from './use-cases/document-service.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => {
  const kind = kindOf(request);
  const deps = documentDeps();
  const head = await loadHead(deps, kind, request.path.id ?? '');
  const version = await loadVersion(deps, kind, head.id, versionParam(request));
  return { status: 200, body: { ...version, active: version.version === head.activeVersion } };
});
