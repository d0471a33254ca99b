/**
 * Webhook endpoints: where events go, which ones, how fast, signed with which secrets. Endpoints
 * are records (`webhook-endpoint`), so every change has its history and its own event
 * (`webhook.endpoint.created` …); their secrets live in SSM, never in the record.
 *
 * Create:
 * 1. Validate the body; the URL must be https (http only where the hub allows it, locally), and an
 *    IP literal must be one webhooks may reach (the sender checks names again after DNS, each time).
 * 2. Make a `whsec_` secret, keep it in SSM, then write the endpoint with its history entry.
 * 3. Answer the endpoint and, this once, its secret.
 * Admins see and change every endpoint; an integration key only those it created.
 */
import { literalHost, refusal } from '#connectors/webhooks/ssrf-guard';
import type { StoredRecord } from '#schemas/common';
import { EndpointInput, EndpointPatch, RotateSecretInput } from '#schemas/webhooks';
import type { EntityDescriptor } from '#store/record-store';
import { diff, etagOf, ifMatchAdmits } from '../../records/domain/record-changes.ts';
import type { ChangeSource } from '../../records/ports.ts';
import { auditEntry } from '../../records/use-cases/record-service.ts';
import { invalidFields, notFound, parseOrThrow, staleVersion } from '../../shared/errors.ts';
import { type EndpointSecret, newSecret, signingSecrets } from '../domain/signing.ts';
import { SECRET_PATHS, type WebhookDeps } from '../ports.ts';

export const ENDPOINT_ENTITY: EntityDescriptor = { name: 'webhook-endpoint', filters: {}, unique: [] };
const ENDPOINT_ID = /^whe_[0-9A-HJKMNP-TV-Z]{26}$/;

export interface EndpointPolicy {
  /** Plain http allowed (the local hub); https only otherwise. */
  allowHttp: boolean;
  /** The SSRF guard's exceptions (local only). */
  allow: readonly string[];
}

export type Endpoint = StoredRecord & {
  url: string;
  eventTypes: string[];
  enabled: boolean;
  rateLimitPerSecond: number;
  ownerId: string;
  description?: string;
  contactEmail?: string;
  disabledReason?: string;
  failingSince?: string;
  lastSuccessAt?: string;
};

const VIEW_FIELDS = [
  'id',
  'url',
  'description',
  'eventTypes',
  'enabled',
  'disabledReason',
  'rateLimitPerSecond',
  'contactEmail',
  'ownerId',
  'failingSince',
  'lastSuccessAt',
  'version',
  'createdAt',
  'updatedAt',
] as const;

export function presentEndpoint(endpoint: Endpoint): Record<string, unknown> {
  return Object.fromEntries(
    VIEW_FIELDS.flatMap((f) => (endpoint[f] === undefined ? [] : [[f, endpoint[f]]])),
  );
}

function checkUrl(value: string, policy: EndpointPolicy, pointer: string): void {
  const url = new URL(value);
  if (url.protocol !== 'https:' && !policy.allowHttp)
    throw invalidFields([{ pointer, detail: 'must be an https URL', code: 'https_required' }]);
  const literal = literalHost(url);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const why = literal ? refusal(literal, port, { allow: policy.allow }) : undefined;
  if (why) throw invalidFields([{ pointer, detail: why, code: 'address_not_allowed' }]);
}

/** Whom a caller may see: every endpoint for admins, its own for anyone else. */
const mayUse = (endpoint: StoredRecord, source: ChangeSource) =>
  source.writer?.role === 'admin' || endpoint.ownerId === source.actor.id;

export async function loadEndpoint(deps: WebhookDeps, id: string, source?: ChangeSource): Promise<Endpoint> {
  const endpoint = ENDPOINT_ID.test(id) ? await deps.store.get(ENDPOINT_ENTITY.name, id) : undefined;
  if (!endpoint || endpoint.archived || (source && !mayUse(endpoint, source)))
    throw notFound(`No webhook endpoint with id "${id.slice(0, 64)}".`);
  return endpoint as Endpoint;
}

async function readSecrets(deps: WebhookDeps, id: string): Promise<EndpointSecret[]> {
  const raw = await deps.secrets.get(SECRET_PATHS.endpoint(deps.secretPrefix, id));
  return raw ? (JSON.parse(raw) as EndpointSecret[]) : [];
}

/** The secrets that sign this endpoint's deliveries now (current first). */
export async function endpointSigningSecrets(deps: WebhookDeps, id: string, now: Date): Promise<string[]> {
  return signingSecrets(await readSecrets(deps, id), now);
}

export async function createEndpoint(
  deps: WebhookDeps,
  policy: EndpointPolicy,
  body: unknown,
  source: ChangeSource,
): Promise<{ endpoint: Record<string, unknown>; secret: string }> {
  const input = parseOrThrow(EndpointInput, body);
  checkUrl(input.url, policy, '/url');
  const at = deps.now().toISOString();
  const id = deps.newId('whe');
  const secret = newSecret();
  await deps.secrets.put(SECRET_PATHS.endpoint(deps.secretPrefix, id), JSON.stringify([{ secret }]));
  const record: Endpoint = {
    id,
    ...input,
    ownerId: source.actor.id,
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: source.actor.id,
    updatedBy: source.actor.id,
    archived: false,
  };
  const audit = auditEntry(
    deps,
    ENDPOINT_ENTITY,
    record,
    'create',
    diff({}, input),
    source,
    `Endpoint ${input.url}`,
  );
  await deps.store.create(ENDPOINT_ENTITY, record, audit);
  return { endpoint: presentEndpoint(record), secret };
}

export async function listEndpoints(
  deps: WebhookDeps,
  query: { limit: number; cursor?: string },
  source: ChangeSource,
) {
  const admin = source.writer?.role === 'admin';
  const page = await deps.store.list(ENDPOINT_ENTITY, {
    filters: admin ? [] : [{ field: 'ownerId', value: source.actor.id }],
    limit: query.limit,
    includeArchived: false,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return { items: page.items.map((e) => presentEndpoint(e as Endpoint)), nextCursor: page.nextCursor };
}

/** Every enabled endpoint (all pages): what the fan-out matches events against. */
export async function enabledEndpoints(deps: Pick<WebhookDeps, 'store'>): Promise<Endpoint[]> {
  const all: Endpoint[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(ENDPOINT_ENTITY, {
      filters: [{ field: 'enabled', value: true }],
      limit: 100,
      includeArchived: false,
      ...(cursor ? { cursor } : {}),
    });
    all.push(...(page.items as Endpoint[]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** Writes an endpoint's next version with its history entry (`action` says what happened). */
export async function changeEndpoint(
  deps: WebhookDeps,
  current: Endpoint,
  fields: Partial<Endpoint>,
  remove: readonly (keyof Endpoint)[],
  action: string,
  source: ChangeSource,
  summary?: string,
): Promise<Endpoint> {
  const next = {
    ...current,
    ...fields,
    version: current.version + 1,
    updatedAt: deps.now().toISOString(),
    updatedBy: source.actor.id,
  } as Endpoint;
  for (const field of remove) delete next[field];
  const before = Object.fromEntries(VIEW_FIELDS.map((f) => [f, current[f]]));
  const after = Object.fromEntries(VIEW_FIELDS.map((f) => [f, next[f]]));
  const changes = diff(before, after).filter((c) => !['/version', '/updatedAt'].includes(c.field));
  await deps.store.replace(
    ENDPOINT_ENTITY,
    current,
    next,
    auditEntry(deps, ENDPOINT_ENTITY, next, action, changes, source, summary),
  );
  return next;
}

export async function updateEndpoint(
  deps: WebhookDeps,
  policy: EndpointPolicy,
  id: string,
  body: unknown,
  source: ChangeSource,
  ifMatch?: string,
) {
  const patch = parseOrThrow(EndpointPatch, body);
  if (patch.url) checkUrl(patch.url, policy, '/url');
  const current = await loadEndpoint(deps, id, source);
  if (ifMatch !== undefined && !ifMatchAdmits(ifMatch, current.version))
    throw staleVersion(`The endpoint changed since you read it; it is at ${etagOf(current.version)}.`, {
      currentVersion: current.version,
    });
  // Enabling again clears why it was disabled and starts its failure clock afresh.
  const reenabled = patch.enabled === true && !current.enabled;
  const next = await changeEndpoint(
    deps,
    current,
    patch as Partial<Endpoint>,
    reenabled ? ['disabledReason', 'failingSince'] : [],
    'update',
    source,
  );
  return presentEndpoint(next);
}

/** Removes an endpoint: archived with its history, nothing more sent to it, its secret deleted. */
export async function deleteEndpoint(deps: WebhookDeps, id: string, source: ChangeSource): Promise<void> {
  const current = await loadEndpoint(deps, id, source);
  await changeEndpoint(
    deps,
    current,
    { archived: true, enabled: false },
    [],
    'archive',
    source,
    'Endpoint deleted',
  );
  await deps.secrets.delete(SECRET_PATHS.endpoint(deps.secretPrefix, id));
}

export async function getSecret(deps: WebhookDeps, id: string, source: ChangeSource) {
  await loadEndpoint(deps, id, source);
  const now = deps.now();
  const secrets = await readSecrets(deps, id);
  const [current, ...older] = secrets;
  return {
    secret: current?.secret ?? '',
    previous: older.filter((s) => s.validUntil && Date.parse(s.validUntil) > now.getTime()),
  };
}

/**
 * A new secret signs from now on; the one before keeps signing for the grace period (deliveries
 * carry both signatures), so the receiver can switch without losing a message.
 */
export async function rotateSecret(deps: WebhookDeps, id: string, body: unknown, source: ChangeSource) {
  const { graceHours } = parseOrThrow(RotateSecretInput, body ?? {});
  const endpoint = await loadEndpoint(deps, id, source);
  const now = deps.now();
  const secrets = await readSecrets(deps, id);
  const validUntil = new Date(now.getTime() + graceHours * 3_600_000).toISOString();
  const kept = secrets
    .map((s) => (s.validUntil ? s : { ...s, validUntil }))
    .filter((s) => s.validUntil && Date.parse(s.validUntil) > now.getTime());
  const secret = newSecret();
  await deps.secrets.put(SECRET_PATHS.endpoint(deps.secretPrefix, id), JSON.stringify([{ secret }, ...kept]));
  await deps.store.appendHistory(ENDPOINT_ENTITY.name, {
    ...auditEntry(deps, ENDPOINT_ENTITY, endpoint, 'secret-rotated', [], source),
    summary: `Secret rotated; the previous one signs until ${validUntil}`,
  });
  return { secret, previous: kept };
}
