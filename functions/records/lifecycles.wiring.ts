/**
 * What writes of a record type do beyond their fields (./domain/record-types.ts, RecordLifecycle),
 * by type, wired into the records ports for the paths that write. Apart from ./wiring.ts because
 * only those need it: a lifecycle brings its flow along (a ticket's SLA brings the business
 * calendar and the Step Functions client), and the handlers that only read records must not
 * carry, parse and compile that on every cold start.
 */
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { LeadRoutingStore } from '#store/lead-routing-store';
import type { RecordType } from './domain/record-types.ts';
import type { RecordDeps, RecordLifecycle } from './ports.ts';
import { recordDeps } from './wiring.ts';

const LIFECYCLES: Partial<Record<RecordType['name'], () => Promise<RecordLifecycle>>> = {
  account: () => import('../approvals/use-cases/account-lifecycle.ts').then((m) => m.accountLifecycle),
  lead: () =>
    import('../leads/use-cases/lead-lifecycle.ts').then((m) =>
      m.leadLifecycle(new LeadRoutingStore(documents, loadConfig(TableEnv).TABLE_NAME)),
    ),
  ticket: () => import('../tickets/wiring.ts').then((m) => m.ticketLifecycle),
  order: () => import('../orders/wiring.ts').then((m) => m.orderLifecycle),
};

const loaded = new Map<string, Promise<RecordLifecycle>>();
/** The type's lifecycle, loaded and built on first use; undefined for a type whose writes do nothing more. */
export function lifecycleOf(type: Pick<RecordType, 'name'>): Promise<RecordLifecycle | undefined> {
  const load = LIFECYCLES[type.name];
  if (!load) return Promise.resolve(undefined);
  let lifecycle = loaded.get(type.name);
  if (!lifecycle) {
    lifecycle = load();
    loaded.set(type.name, lifecycle);
  }
  return lifecycle;
}

let writes: RecordDeps | undefined;
/** The records ports with the lifecycles: for the handlers and tasks that create and change records. */
export function recordWriteDeps(): RecordDeps {
  writes ??= { ...recordDeps(), lifecycleOf };
  return writes;
}
