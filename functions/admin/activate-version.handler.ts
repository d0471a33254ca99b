import { ActivateRequest } from '#schemas/admin/document';
import { etagOf } from '../records/domain/record-changes.ts';
import { sourceOf } from '../records/record-http.ts';
import { parseOrThrow } from '../shared/errors.ts';
import { httpHandler } from '../shared/http.ts';
import { kindOf } from './document-http.ts';
import { presentDocument } from './use-cases/document-service.ts';
import { setActiveVersion } from './use-cases/write-document.use-case.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => {
    const kind = kindOf(request);
    const deps = documentDeps();
    const { version } = parseOrThrow(ActivateRequest, request.body);
    const head = await setActiveVersion(
      deps,
      kind,
      request.path.id ?? '',
      version,
      request.headers['if-match'],
      sourceOf(request),
    );
    return {
      status: 200,
      body: await presentDocument(deps, kind, head),
      headers: { etag: etagOf(head.version) },
    };
  },
  { accepts: ['application/json'] },
);
