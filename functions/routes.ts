/**
 * Every HTTP route, declared once. The CDK stack creates API Gateway routes and functions from
 * this table, the local hub routes requests with it, handlers check roles against it, and the
 * OpenAPI document is generated from it — so none of them can disagree.
 *
 * `handler` names a file under functions/ without `.handler.ts`; each distinct handler is one
 * Lambda function.
 */
import { z } from 'zod';
import { SimulateApprovalRequest } from '#schemas/admin/approval-simulation';
import { Me, PageQuery, pageOf } from '#schemas/api';
import { AuditEntry } from '#schemas/audit';
import type { Role } from '#schemas/common';
import { ADMIN_KINDS, type AdminKind, type AdminKindName } from './admin/admin-kinds.ts';
import { RECORD_TYPES, type RecordType, recordSchema } from './records/record-types.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  body?: { schema: z.ZodType; mediaTypes: readonly string[] };
  query?: z.ZodObject;
  /** Request headers worth documenting. */
  headers?: readonly ('If-Match' | 'Idempotency-Key')[];
  responses: Record<
    number,
    { description: string; schema?: z.ZodType; mediaType?: string; headers?: readonly string[] }
  >;
}

export interface Route extends RouteDoc {
  method: HttpMethod;
  /** API Gateway route path, e.g. /v1/accounts/{id}. */
  path: string;
  handler: string;
  access: readonly Role[] | 'public';
  /** The record type the route serves, for record routes. */
  recordType?: RecordType['name'];
  /** The admin document kind the route serves, for admin routes. */
  adminKind?: AdminKindName;
}

export const routeKey = (route: Pick<Route, 'method' | 'path'>) => `${route.method} ${route.path}`;

const ERRORS = {
  400: { description: 'Malformed request (bad JSON, unknown query parameter, bad cursor)' },
  401: { description: 'No valid credential' },
  403: { description: 'The role may not do this' },
} as const;

const JSON_TYPES = ['application/json'] as const;
const PATCH_TYPES = ['application/merge-patch+json', 'application/json'] as const;

function recordRoutes(type: RecordType): Route[] {
  const base = `/v1/${type.collection}`;
  const item = `${base}/{id}`;
  const record = recordSchema(type);
  const label = type.label.toLowerCase();
  const filters = Object.fromEntries(
    Object.entries(type.filters).map(([name, filter]) => [
      name,
      filter.schema.optional().meta({ description: filter.description }),
    ]),
  );
  const common = { tag: `${type.label}s`, recordType: type.name };
  return [
    {
      ...common,
      method: 'POST',
      path: base,
      handler: 'records/create-record',
      access: type.access.write,
      summary: `Create ${label}`,
      body: { schema: type.input, mediaTypes: JSON_TYPES },
      headers: ['Idempotency-Key'],
      responses: {
        201: { description: `The new ${label}`, schema: record, headers: ['ETag', 'Location'] },
        ...ERRORS,
        409: { description: 'A unique value is taken, or the same Idempotency-Key is in flight' },
        413: { description: 'Body too large' },
        415: { description: 'Not JSON' },
        422: { description: 'Invalid fields, or an Idempotency-Key reused with another body' },
      },
    },
    {
      ...common,
      method: 'GET',
      path: base,
      handler: 'records/list-records',
      access: type.access.read,
      summary: `List ${label}s`,
      description: 'Newest first. Archived records are left out unless includeArchived=true.',
      query: PageQuery.extend({ ...filters, includeArchived: z.enum(['true', 'false']).optional() }),
      responses: {
        200: { description: `A page of ${label}s`, schema: pageOf(record, `${type.label}Page`) },
        ...ERRORS,
      },
    },
    {
      ...common,
      method: 'GET',
      path: item,
      handler: 'records/get-record',
      access: type.access.read,
      summary: `Get ${label}`,
      responses: {
        200: { description: `The ${label}`, schema: record, headers: ['ETag'] },
        ...ERRORS,
        404: { description: 'No such record' },
      },
    },
    {
      ...common,
      method: 'PATCH',
      path: item,
      handler: 'records/update-record',
      access: type.access.write,
      summary: `Update ${label}`,
      description:
        'A JSON merge patch (RFC 7396): fields given replace, null removes. Send If-Match with the ETag to avoid lost updates.',
      // The shape without cross-field refinements: zod cannot make a refined object partial.
      body: {
        schema: z
          .strictObject(type.input.shape)
          .partial()
          .meta({ id: `${type.label}Patch` }),
        mediaTypes: PATCH_TYPES,
      },
      headers: ['If-Match'],
      responses: {
        200: { description: `The updated ${label}`, schema: record, headers: ['ETag'] },
        ...ERRORS,
        404: { description: 'No such record' },
        409: { description: 'Archived, locked by a workflow, or a unique value is taken' },
        412: { description: 'If-Match does not match the current version; nothing changed' },
        415: { description: 'Not JSON' },
        422: { description: 'Invalid fields' },
      },
    },
    {
      ...common,
      method: 'DELETE',
      path: item,
      handler: 'records/archive-record',
      access: type.access.write,
      summary: `Archive ${label}`,
      description: 'Records are archived, never erased: the history stays.',
      headers: ['If-Match'],
      responses: {
        200: { description: `The archived ${label}`, schema: record, headers: ['ETag'] },
        ...ERRORS,
        404: { description: 'No such record' },
        409: { description: 'Locked by a workflow' },
        412: { description: 'If-Match does not match' },
      },
    },
    {
      ...common,
      method: 'POST',
      path: `${item}/restore`,
      handler: 'records/archive-record',
      access: type.access.write,
      summary: `Restore ${label}`,
      headers: ['If-Match'],
      responses: {
        200: { description: `The restored ${label}`, schema: record, headers: ['ETag'] },
        ...ERRORS,
        404: { description: 'No such record' },
        412: { description: 'If-Match does not match' },
      },
    },
    {
      ...common,
      method: 'GET',
      path: `${item}/history`,
      handler: 'records/record-history',
      access: type.access.read,
      summary: `History of ${label}`,
      description:
        'Every change and event, newest first: who, what from what to what, when, through which channel.',
      query: PageQuery,
      responses: {
        200: { description: 'Audit entries', schema: pageOf(AuditEntry, 'AuditPage') },
        ...ERRORS,
        404: { description: 'No such record' },
      },
    },
  ];
}

const DocumentHead = z
  .object({
    id: z.string(),
    kind: z.string(),
    name: z.string(),
    latestVersion: z.int(),
    activeVersion: z.int().optional(),
    version: z.int(),
    archived: z.boolean(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .meta({ id: 'AdminDocumentHead' });

function adminRoutes(kind: AdminKind): Route[] {
  const base = `/v1/admin/${kind.collection}`;
  const item = `${base}/{id}`;
  const label = kind.label.toLowerCase();
  const versionRequest = z.strictObject({
    content: kind.content,
    note: z.string().optional(),
    activate: z.boolean().optional(),
  });
  const document = DocumentHead.extend({
    active: z.object({ version: z.int(), content: kind.content }).optional(),
  }).meta({ id: `${kind.label.replace(/ /g, '')}Document` });
  const version = z
    .object({
      version: z.int(),
      content: kind.content,
      note: z.string().optional(),
      createdAt: z.string(),
      createdBy: z.string(),
      active: z.boolean(),
    })
    .meta({ id: `${kind.label.replace(/ /g, '')}Version` });
  const common = { tag: 'Admin', adminKind: kind.name };
  const read = { ...common, access: kind.access.read };
  const write = { ...common, access: kind.access.write };
  const writeErrors = {
    ...ERRORS,
    404: { description: 'No such document or version' },
    412: { description: 'If-Match does not match; nothing changed' },
    415: { description: 'Not JSON' },
    422: { description: 'Invalid content; errors point into /content' },
  };
  return [
    {
      ...read,
      method: 'GET',
      path: base,
      handler: 'admin/list-documents',
      summary: `List ${label} documents`,
      query: PageQuery,
      responses: {
        200: {
          description: 'Document heads',
          schema: pageOf(DocumentHead, `${kind.label.replace(/ /g, '')}Page`),
        },
        ...ERRORS,
      },
    },
    {
      ...write,
      method: 'POST',
      path: base,
      handler: 'admin/create-document',
      summary: `Create ${label}`,
      description: 'Creates the document with its first version; `activate: true` makes it active at once.',
      body: { schema: versionRequest, mediaTypes: JSON_TYPES },
      headers: ['Idempotency-Key'],
      responses: {
        201: { description: 'The document', schema: document, headers: ['ETag', 'Location'] },
        ...writeErrors,
      },
    },
    {
      ...read,
      method: 'GET',
      path: item,
      handler: 'admin/get-document',
      summary: `Get ${label}`,
      description: 'The head (latest and active version numbers) with the active version’s content.',
      responses: {
        200: { description: 'The document', schema: document, headers: ['ETag'] },
        ...ERRORS,
        404: { description: 'No such document' },
      },
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/versions`,
      handler: 'admin/list-versions',
      summary: `List versions of ${label}`,
      responses: {
        200: { description: 'Every version, newest first, without content' },
        ...ERRORS,
        404: { description: 'No such document' },
      },
    },
    {
      ...write,
      method: 'POST',
      path: `${item}/versions`,
      handler: 'admin/add-version',
      summary: `Add a version of ${label}`,
      description:
        'Earlier versions stay unchanged; flows already running keep the version they started with.',
      body: { schema: versionRequest, mediaTypes: JSON_TYPES },
      headers: ['If-Match'],
      responses: {
        201: { description: 'The document', schema: document, headers: ['ETag'] },
        ...writeErrors,
      },
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/versions/{version}`,
      handler: 'admin/get-version',
      summary: `Get a version of ${label}`,
      responses: {
        200: { description: 'The version', schema: version },
        ...ERRORS,
        404: { description: 'No such version' },
      },
    },
    {
      ...write,
      method: 'POST',
      path: `${item}/activate`,
      handler: 'admin/activate-version',
      summary: `Activate a version of ${label}`,
      description: '`{"version": 3}` makes version 3 active; `{"version": null}` deactivates the document.',
      body: { schema: z.strictObject({ version: z.int().min(1).nullable() }), mediaTypes: JSON_TYPES },
      headers: ['If-Match'],
      responses: {
        200: { description: 'The document', schema: document, headers: ['ETag'] },
        ...writeErrors,
      },
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/history`,
      handler: 'admin/document-history',
      summary: `History of ${label}`,
      query: PageQuery,
      responses: {
        200: { description: 'Audit entries', schema: pageOf(AuditEntry, 'AuditPage') },
        ...ERRORS,
        404: { description: 'No such document' },
      },
    },
  ];
}

export const ROUTES: readonly Route[] = [
  ...Object.values(RECORD_TYPES).flatMap(recordRoutes),
  ...Object.values(ADMIN_KINDS).flatMap(adminRoutes),
  {
    method: 'POST',
    path: '/v1/admin/approval-policies/simulate',
    handler: 'approvals/simulate-approval',
    access: ['admin', 'manager', 'sales'],
    summary: 'Dry-run quote approval',
    description:
      'Which policy applies to the quote and why, which steps it enters and why, and who exactly would be asked ' +
      '(delegates resolved, fallbacks named). Starts nothing and sends nothing.',
    tag: 'Admin',
    body: { schema: SimulateApprovalRequest, mediaTypes: JSON_TYPES },
    responses: {
      200: { description: 'The approval plan' },
      ...ERRORS,
      404: { description: 'No such quote or policy version' },
      422: { description: 'Invalid request, or nobody could approve' },
    },
  },
  {
    method: 'GET',
    path: '/v1/me',
    handler: 'api/me',
    access: ['admin', 'manager', 'sales', 'support', 'finance', 'integration'],
    summary: 'Who am I',
    tag: 'Meta',
    responses: { 200: { description: 'The calling principal', schema: Me }, ...ERRORS },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    handler: 'api/openapi',
    access: 'public',
    summary: 'OpenAPI document',
    tag: 'Meta',
    responses: { 200: { description: 'This API, as OpenAPI 3.1' } },
  },
];

const BY_KEY = new Map(ROUTES.map((route) => [routeKey(route), route]));

export const routeFor = (key: string): Route | undefined => BY_KEY.get(key);

/** Handler names in a stable order: one Lambda function each. */
export const HANDLERS: readonly string[] = [
  ...new Set(ROUTES.map((r) => r.handler)),
  'auth/authorizer',
  'api/not-found',
].sort();
