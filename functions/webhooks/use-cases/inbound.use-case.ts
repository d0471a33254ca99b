/**
 * Webhooks other systems send to `/v1/webhooks/inbound/{source}`.
 *
 * Receive (answered at once):
 * 1. The source must be configured: an active `webhook-source` admin document names it.
 * 2. The body may not be larger than the source allows.
 * 3. Verify the signature over the raw body with the source's secrets (SSM), in its scheme's
 *    timestamp window. Anything wrong: a 4xx problem, and nothing is stored.
 * 4. Store the raw message under the provider's event id, under a condition: a duplicate is
 *    answered as such and takes effect once (for the 8 days messages are kept).
 * 5. Queue it and answer 202. If queueing fails, the message is stored already: the sweeper
 *    queues it.
 *
 * Process (from the queue):
 * 1. Take the message (a lease), unless it was processed or is being processed.
 * 2. Apply its source's mapping: the lead intake, order-to-cash (shipments, payments), or store.
 * 3. Mark it processed with what it did; on failure mark it failed with why, and fail so the
 *    queue retries it. The queue's dead-letter queue holds what failed every retry; the message
 *    stays listed as failed for an admin to replay.
 */
import { WebhookSource } from '#schemas/admin/webhook-source';
import type { InboundMessage } from '#store/inbound-webhooks';
import { inboundId } from '#store/inbound-webhooks';
import { ADMIN_KINDS } from '../../admin/domain/admin-kinds.ts';
import { activeHeads, loadVersion } from '../../admin/use-cases/document-service.ts';
import { notFound } from '../../shared/errors.ts';
import { type InboundRequest, verifyInbound } from '../domain/inbound-signatures.ts';
import { type EndpointSecret, signingSecrets } from '../domain/signing.ts';
import { type InboundDeps, SECRET_PATHS } from '../ports.ts';

export const SOURCE_KIND = ADMIN_KINDS['webhook-source'];
const LEASE_MS = 60_000;
/** Headers kept with a message: enough to tell later what the provider said it was. */
const KEPT_HEADERS =
  /^(content-type|user-agent|webhook-id|webhook-timestamp|x-github-event|x-github-delivery|x-hubspot-request-timestamp|stripe-signature)$/;

export const inboundMessage = (id: string) => JSON.stringify({ inboundId: id });

export type ReceiveOutcome =
  | { kind: 'unknown-source' }
  | { kind: 'too-large'; maxBytes: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'accepted'; id: string; duplicate: boolean };

let cached: { until: number; sources: Map<string, WebhookSource> } | undefined;

/** The configured sources by slug (active versions; the oldest document wins a slug both claim), cached 30 s. */
export async function configuredSources(deps: InboundDeps): Promise<Map<string, WebhookSource>> {
  const now = Date.now();
  if (cached && cached.until > now) return cached.sources;
  const sources = new Map<string, WebhookSource>();
  for (const head of await activeHeads(deps, SOURCE_KIND)) {
    const version = await loadVersion<WebhookSource>(deps, SOURCE_KIND, head.id, head.activeVersion);
    const content = WebhookSource.parse(version.content);
    if (!sources.has(content.source)) sources.set(content.source, content);
  }
  cached = { until: now + 30_000, sources };
  return sources;
}

export async function receiveInbound(
  deps: InboundDeps,
  slug: string,
  request: InboundRequest,
): Promise<ReceiveOutcome> {
  const source = (await configuredSources(deps)).get(slug);
  if (!source) return { kind: 'unknown-source' };
  if (request.body.length > source.maxBodyBytes) return { kind: 'too-large', maxBytes: source.maxBodyBytes };
  const now = deps.now();
  const raw = await deps.secrets.get(SECRET_PATHS.source(deps.secretPrefix, slug));
  const secrets = signingSecrets(raw ? (JSON.parse(raw) as EndpointSecret[]) : [], now);
  const verified = verifyInbound(source.scheme, secrets, request, now, source.toleranceSeconds);
  if (!verified.ok) return { kind: 'refused', reason: verified.reason };

  const id = inboundId(slug, verified.providerId);
  const stored = await deps.inbound.receive({
    id,
    source: slug,
    providerId: verified.providerId,
    status: 'received',
    receivedAt: now.toISOString(),
    attempts: 0,
    body: request.body.toString('utf8'),
    headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => KEPT_HEADERS.test(k))),
  });
  if (stored) await deps.inboundQueue.send([{ body: inboundMessage(id) }]).catch(() => undefined);
  return { kind: 'accepted', id, duplicate: !stored };
}

export type ProcessOutcome = 'processed' | 'skipped' | 'failed';

export async function processInbound(deps: InboundDeps, id: string): Promise<ProcessOutcome> {
  const now = deps.now();
  const message = await deps.inbound.claim(id, now, new Date(now.getTime() + LEASE_MS));
  if (!message) return 'skipped';
  const source = (await configuredSources(deps)).get(message.source);
  try {
    if (!source) throw new Error(`the source "${message.source}" is no longer configured`);
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      throw new Error('the body is not JSON');
    }
    const result = await deps.apply(source.mapping, { id: message.id, source: message.source, body });
    await deps.inbound.processed(message, deps.now(), result);
    return 'processed';
  } catch (error) {
    await deps.inbound.failed(message, deps.now(), describe(error));
    throw error;
  }
}

const describe = (error: unknown) => {
  const e = error as Error & { details?: { errors?: { pointer: string; detail: string }[] } };
  const fields = e.details?.errors?.map((f) => `${f.pointer || '/'}: ${f.detail}`).join('; ');
  return fields ? `${e.message} ${fields}` : e.message;
};

export async function getInbound(deps: InboundDeps, id: string): Promise<InboundMessage> {
  const message = /^inb_[0-9a-f]{32}$/.test(id) ? await deps.inbound.get(id) : undefined;
  if (!message) throw notFound(`No inbound webhook message "${id.slice(0, 64)}".`);
  return message;
}

/** An admin's replay of a failed message: received again, and queued. */
export async function replayInbound(deps: InboundDeps, id: string): Promise<InboundMessage> {
  const message = await getInbound(deps, id);
  if (message.status === 'processed') return message;
  await deps.inbound.requeue(message);
  await deps.inboundQueue.send([{ body: inboundMessage(id) }]);
  return { ...message, status: 'received' };
}

/** Sets a source's signing secret; the one before still verifies for the grace period. */
export async function setSourceSecret(deps: InboundDeps, slug: string, secret: string, graceHours: number) {
  const name = SECRET_PATHS.source(deps.secretPrefix, slug);
  const now = deps.now();
  const raw = await deps.secrets.get(name);
  const validUntil = new Date(now.getTime() + graceHours * 3_600_000).toISOString();
  const kept = (raw ? (JSON.parse(raw) as EndpointSecret[]) : [])
    .filter((s) => s.secret !== secret)
    .map((s) => (s.validUntil ? s : { ...s, validUntil }))
    .filter((s) => s.validUntil && Date.parse(s.validUntil) > now.getTime());
  await deps.secrets.put(name, JSON.stringify([{ secret }, ...kept]));
  return { source: slug, previousValidUntil: kept.length ? validUntil : undefined };
}
