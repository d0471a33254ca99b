/**
 * What the records use cases need from the world: the store, a clock and ids, and who a change
 * comes from. Use cases and lifecycles take these; ./wiring.ts builds the production ones.
 */
import type { Actor } from '#schemas/audit';
import type { Channel, StoredRecord } from '#schemas/common';
import type { RecordStore } from '#store/record-store';
import type { RecordType } from './domain/record-types.ts';
import type { Writer } from './use-cases/ownership.ts';

/**
 * The record store as use cases see it: its operations, not the class (tests pass plain fakes).
 * A use case that needs less takes a narrower Pick of this.
 */
export type RecordPort = Pick<
  RecordStore,
  'get' | 'findUnique' | 'getMany' | 'create' | 'replace' | 'writeAll' | 'appendHistory' | 'list' | 'history'
>;

export interface RecordDeps {
  store: RecordPort;
  now: () => Date;
  newId: (prefix: string) => string;
  /**
   * What writes of a type do beyond their fields (a ticket's SLA, a lead's match keys); absent
   * where nothing more is done. Write paths get it from ./lifecycles.wiring.ts.
   */
  lifecycleOf?: (type: Pick<RecordType, 'name'>) => Promise<RecordLifecycle | undefined>;
}

/** Where a change comes from, for the audit trail. */
export interface ChangeSource {
  actor: Actor;
  channel: Channel;
  context?: Record<string, unknown>;
  /** Who asks for the change, for the ownership checks (./ownership.ts); absent for system writes. */
  writer?: Writer;
}

/**
 * Work a type's writes do beyond validation and derivation: server fields that need other
 * records (a ticket's SLA from its policy), and what a committed change sets in motion (the
 * ticket's SLA workflow). Each type's is wired in ./lifecycles.wiring.ts, which only the write paths load.
 */
export interface RecordLifecycle {
  /**
   * Server-owned fields of the record about to be written (`current` absent on create), added to
   * the write, its audit diff and its response. It must return every server field to keep.
   * `next.updatedAt` is the moment of the change.
   */
  prepare(
    deps: RecordDeps,
    next: StoredRecord,
    current: StoredRecord | undefined,
  ): Promise<Record<string, unknown>>;
  /** After the write committed. Never throws: the write stands, failures are logged and counted. */
  afterWrite(deps: RecordDeps, record: StoredRecord, previous: StoredRecord | undefined): Promise<void>;
}
