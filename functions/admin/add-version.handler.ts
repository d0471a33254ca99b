import { etagOf } from '../records/domain/record-changes.ts';
import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { kindOf } from './document-http.ts';
import { presentDocument } from './use-cases/document-service.ts';
import { addVersion } from './use-cases/write-document.use-case.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => {
    const kind = kindOf(request);
    const deps = documentDeps();
    const head = await addVersion(
      deps,
      kind,
      request.path.id ?? '',
      request.body,
      request.headers['if-match'],
      sourceOf(request),
    );
    return {
      status: 201,
      body: await presentDocument(deps, kind, head),
      headers: { etag: etagOf(head.version) },
    };
  },
  { accepts: ['application/json'] },
);
