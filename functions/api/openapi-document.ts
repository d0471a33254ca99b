/**
 * The OpenAPI 3.1 document, generated from the route table and the zod schemas it names — the
 * same schemas that validate requests — so the document cannot describe an API that differs.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { Problem } from '#schemas/api';
import { ROUTES, type Route } from '../routes.ts';
import { docsFor } from './route-docs.ts';

const HEADER_DOCS = {
  'If-Match': {
    description: 'The ETag of the version this change is based on; a stale one gets 412 and changes nothing.',
  },
  'Idempotency-Key': {
    description:
      'A unique key per intended change; a retry with the same key returns the first response (kept 24 h).',
  },
} as const;

const RESPONSE_HEADERS: Record<string, { description: string; schema: { type: 'string' } }> = {
  ETag: { description: 'Version tag; send it back in If-Match', schema: { type: 'string' } },
  Location: { description: 'URL of the new record', schema: { type: 'string' } },
};

function toRouteConfig(route: Route): RouteConfig {
  const docs = docsFor(route);
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const secured = route.access !== 'public';
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/(^|[/._-])(\w)/g, (_, __, c: string) => c.toUpperCase())}`,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(secured ? { security: [{ apiKey: [] }, { bearer: [] }] } : { security: [] }),
    ...(route.access !== 'public' ? { 'x-roles': route.access } : {}),
    request: {
      ...(params.length > 0
        ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) }
        : {}),
      ...(docs.query ? { query: docs.query } : {}),
      ...(route.headers?.length
        ? {
            headers: z.object(
              Object.fromEntries(route.headers.map((h) => [h, z.string().optional().meta(HEADER_DOCS[h])])),
            ),
          }
        : {}),
      ...(docs.body
        ? {
            body: {
              required: true,
              content: Object.fromEntries(
                docs.body.mediaTypes.map((type) => [type, { schema: docs.body?.schema as z.ZodType }]),
              ),
            },
          }
        : {}),
    },
    responses: Object.fromEntries(
      Object.entries(docs.responses).map(([status, response]) => {
        const isError = Number(status) >= 400;
        const schema = response.schema ?? (isError ? Problem : undefined);
        const mediaType = response.mediaType ?? (isError ? 'application/problem+json' : 'application/json');
        return [
          status,
          {
            description: response.description,
            ...(response.headers?.length
              ? {
                  headers: Object.fromEntries(
                    response.headers.flatMap((h) => (RESPONSE_HEADERS[h] ? [[h, RESPONSE_HEADERS[h]]] : [])),
                  ),
                }
              : {}),
            ...(response.content
              ? {
                  content: Object.fromEntries(
                    Object.entries(response.content).map(([type, schema]) => [type, { schema }]),
                  ),
                }
              : schema
                ? { content: { [mediaType]: { schema } } }
                : {}),
          },
        ];
      }),
    ),
  };
}

export function buildOpenApiDocument(serverUrl?: string) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  });
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Cognito access token; its groups name the role',
  });
  for (const route of ROUTES) registry.registerPath(toRouteConfig(route));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Junction API',
      version: '1',
      description:
        'CRM records and workflow automation. Errors are application/problem+json (RFC 9457). Lists page with cursors. ' +
        'Updates are JSON merge patches; send If-Match to avoid lost updates. Creates accept Idempotency-Key.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}
