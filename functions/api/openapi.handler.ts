import { httpHandler } from '../shared/http.ts';
import { buildOpenApiDocument } from './openapi-document.ts';

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** Built on the first request, not at cold start: only this route pays for it. */
export const handler = httpHandler(async (request) => {
  document ??= buildOpenApiDocument(`https://${request.event.requestContext.domainName}`);
  return { status: 200, body: document, headers: { 'cache-control': 'public, max-age=300' } };
});
