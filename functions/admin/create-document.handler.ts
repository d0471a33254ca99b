import { etagOf } from '../records/domain/record-changes.ts';
import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { kindOf } from './document-http.ts';
import { presentDocument } from './use-cases/document-service.ts';
import { createDocument } from './use-cases/write-document.use-case.ts';
import { documentDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => {
    const kind = kindOf(request);
    const deps = documentDeps();
    const head = await createDocument(deps, kind, request.body, sourceOf(request));
    return {
      status: 201,
      body: await presentDocument(deps, kind, head),
      headers: { etag: etagOf(head.version), location: `${request.event.rawPath}/${head.id}` },
    };
  },
  { accepts: ['application/json'], idempotency: idempotency() },
);
