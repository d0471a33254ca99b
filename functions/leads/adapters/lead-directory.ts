/**
 * The routing directory over the stores, and the routing configuration in force. Users and queues
 * are read once per decision (a plan may ask for one rep several times); round-robin tickets are
 * taken for a real decision and only peeked at for a dry run.
 */
import type { LeadRouting } from '#schemas/admin/lead-routing';
import type { StoredRecord } from '#schemas/common';
import { OPEN_LEAD_STATUSES } from '#schemas/records/lead';
import { ADMIN_KINDS } from '../../admin/domain/admin-kinds.ts';
import { activeHeads, loadHead, loadVersion } from '../../admin/use-cases/document-service.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { RoutingDirectory, RoutingQueue, RoutingUser } from '../domain/routing-plan.ts';
import type { LeadDeps } from '../ports.ts';

const live = (record: StoredRecord | undefined) =>
  record && !record.archived ? (record as unknown as RoutingUser) : undefined;

export function leadDirectory(deps: LeadDeps, tickets: 'take' | 'peek'): RoutingDirectory {
  const users = new Map<string, Promise<RoutingUser | undefined>>();
  return {
    user(id) {
      let found = users.get(id);
      if (!found) {
        found = deps.store.get('user', id).then(live);
        users.set(id, found);
      }
      return found;
    },
    async users(ids) {
      const missing = ids.filter((id) => !users.has(id));
      if (missing.length > 0) {
        const batch = deps.store.getMany(missing.map((id) => ({ type: 'user', id })));
        for (const id of missing)
          users.set(
            id,
            batch.then((found) => live(found.get(`user#${id}`))),
          );
      }
      const found = new Map<string, RoutingUser>();
      for (const id of ids) {
        const user = await users.get(id);
        if (user) found.set(id, user);
      }
      return found;
    },
    async queue(id) {
      const queue = await deps.store.get('queue', id);
      return queue && !queue.archived ? (queue as unknown as RoutingQueue) : undefined;
    },
    async territoryReps(territory) {
      const reps: RoutingUser[] = [];
      let cursor: string | undefined;
      do {
        const page = await deps.store.list(RECORD_TYPES.user, {
          filters: [
            { field: 'territory', value: territory },
            { field: 'role', value: 'sales' },
            { field: 'active', value: true },
          ],
          limit: 100,
          includeArchived: false,
          ...(cursor ? { cursor } : {}),
        });
        reps.push(...(page.items as unknown as RoutingUser[]));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      // Oldest first: a stable order, so the round-robin turn means the same rep from call to call.
      return reps.sort((a, b) => a.id.localeCompare(b.id));
    },
    openLeads: (userId) => deps.leads.openLeadCount(userId, OPEN_LEAD_STATUSES),
    ticket: (counter) =>
      tickets === 'take' ? deps.leads.takeTicket(counter) : deps.leads.peekTicket(counter),
  };
}

export interface RoutingVersion {
  id: string;
  version: number;
  name: string;
  content: LeadRouting;
}

const kind = ADMIN_KINDS['lead-routing'];

/** Versions never change once written, so each is read once per execution environment. */
const versions = new Map<string, Promise<LeadRouting>>();
function versionContent(deps: LeadDeps, id: string, version: number): Promise<LeadRouting> {
  const key = `${id}#${version}`;
  let found = versions.get(key);
  if (!found) {
    found = loadVersion<LeadRouting>(deps, kind, id, version).then((v) => v.content);
    // A failed read is not remembered: the next call tries again.
    found.catch(() => versions.delete(key));
    versions.set(key, found);
  }
  return found;
}

/**
 * The lead routing in force: the active version of the oldest lead-routing document that has
 * one. Meant to be one document; when admins activate several, the oldest wins (and the dry run
 * says which was used), so a second document can be prepared and tried without taking effect.
 */
export async function activeRouting(deps: LeadDeps): Promise<RoutingVersion | undefined> {
  const [head] = await activeHeads(deps, kind);
  if (!head) return undefined;
  const version = head.activeVersion as number;
  return {
    id: head.id,
    version,
    name: String(head.name),
    content: await versionContent(deps, head.id, version),
  };
}

/** One version of a routing document, as it was written (404 when there is no such version). */
export async function routingVersion(deps: LeadDeps, id: string, version: number): Promise<RoutingVersion> {
  const head = await loadHead(deps, kind, id);
  return { id, version, name: String(head.name), content: await versionContent(deps, id, version) };
}
