import { SourceSlug } from '#schemas/admin/webhook-source';
import { PageQuery } from '#schemas/api';
import { InboundListQuery, InboundSecretInput } from '#schemas/webhooks';
import type { InboundMessage } from '#store/inbound-webhooks';
import { sourceOf } from '../records/record-http.ts';
import { parseOrThrow } from '../shared/errors.ts';
import { type ApiRequest, type ApiResult, httpHandler } from '../shared/http.ts';
import { inboundAdminDeps } from './inbound.wiring.ts';
import {
  createEndpoint,
  deleteEndpoint,
  getSecret,
  listEndpoints,
  loadEndpoint,
  presentEndpoint,
  rotateSecret,
  updateEndpoint,
} from './use-cases/endpoints.use-case.ts';
import { getInbound, replayInbound, setSourceSecret } from './use-cases/inbound.use-case.ts';
import { listAttempts, listDeliveries, replayFailed, replayOne } from './use-cases/replay.use-case.ts';
import { endpointPolicy, webhookDeps } from './wiring.ts';

const presentInbound = ({ headers: _h, sweptAt: _s, ...message }: InboundMessage) => message;

/**
 * Managing webhooks, one function for the whole family of routes (functions/routes.ts,
 * webhookRoutes): endpoints and their secrets, attempts, deliveries and replays, inbound messages
 * and source secrets. Each operation is one use case; which one, the route says.
 */
const OPERATIONS: Partial<
  Record<ApiRequest['route']['operation'], (request: ApiRequest) => Promise<ApiResult>>
> = {
  'list-webhook-endpoints': async (r) => ({
    status: 200,
    body: await listEndpoints(webhookDeps(), parseOrThrow(PageQuery, r.query, 'query'), sourceOf(r)),
  }),
  'create-webhook-endpoint': async (r) => {
    const created = await createEndpoint(webhookDeps(), endpointPolicy(), r.body, sourceOf(r));
    return {
      status: 201,
      body: { ...created.endpoint, secret: created.secret },
      headers: { location: `/v1/webhooks/endpoints/${String(created.endpoint.id)}` },
    };
  },
  'get-webhook-endpoint': async (r) => ({
    status: 200,
    body: presentEndpoint(await loadEndpoint(webhookDeps(), r.path.id ?? '', sourceOf(r))),
  }),
  'update-webhook-endpoint': async (r) => ({
    status: 200,
    body: await updateEndpoint(
      webhookDeps(),
      endpointPolicy(),
      r.path.id ?? '',
      r.body,
      sourceOf(r),
      r.headers['if-match'],
    ),
  }),
  'delete-webhook-endpoint': async (r) => {
    await deleteEndpoint(webhookDeps(), r.path.id ?? '', sourceOf(r));
    return { status: 204 };
  },
  'get-webhook-secret': async (r) => ({
    status: 200,
    body: await getSecret(webhookDeps(), r.path.id ?? '', sourceOf(r)),
  }),
  'rotate-webhook-secret': async (r) => ({
    status: 200,
    body: await rotateSecret(webhookDeps(), r.path.id ?? '', r.body, sourceOf(r)),
  }),
  'list-webhook-attempts': async (r) => ({
    status: 200,
    body: await listAttempts(webhookDeps(), r.path.id ?? '', r.query, sourceOf(r)),
  }),
  'list-webhook-deliveries': async (r) => ({
    status: 200,
    body: await listDeliveries(webhookDeps(), r.path.id ?? '', r.query, sourceOf(r)),
  }),
  'replay-webhook-delivery': async (r) => ({
    status: 202,
    body: await replayOne(webhookDeps(), r.path.id ?? '', r.path.eventId ?? '', sourceOf(r)),
  }),
  'replay-webhook-deliveries': async (r) => ({
    status: 202,
    body: await replayFailed(webhookDeps(), r.path.id ?? '', r.body, sourceOf(r)),
  }),
  'set-inbound-secret': async (r) => {
    const slug = parseOrThrow(SourceSlug, r.path.source ?? '');
    const input = parseOrThrow(InboundSecretInput, r.body);
    return {
      status: 200,
      body: await setSourceSecret(inboundAdminDeps(), slug, input.secret, input.graceHours),
    };
  },
  'list-inbound-webhooks': async (r) => {
    const query = parseOrThrow(InboundListQuery, r.query, 'query');
    const page = await inboundAdminDeps().inbound.listByStatus(query.status, {
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { status: 200, body: { items: page.items.map(presentInbound), nextCursor: page.nextCursor } };
  },
  'get-inbound-webhook': async (r) => ({
    status: 200,
    body: presentInbound(await getInbound(inboundAdminDeps(), r.path.id ?? '')),
  }),
  'replay-inbound-webhook': async (r) => ({
    status: 202,
    body: presentInbound(await replayInbound(inboundAdminDeps(), r.path.id ?? '')),
  }),
};

export const handler = httpHandler(
  async (request) => {
    const operation = OPERATIONS[request.route.operation];
    if (!operation) throw new Error(`webhooks/manage serves no ${request.route.operation}`);
    return operation(request);
  },
  { accepts: ['application/json', 'application/merge-patch+json'], optionalBody: true },
);
