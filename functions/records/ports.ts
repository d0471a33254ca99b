/**
 * What the records use cases need from the world: the store, a clock and ids, and who a change
 * comes from. Use cases and lifecycles take these; ./wiring.ts builds the production ones.
 */
import type { Actor } from '#schemas/audit';
import type { Channel } from '#schemas/common';
import type { RecordStore } from '#store/record-store';
import type { Writer } from './ownership.ts';

export interface RecordDeps {
  store: RecordStore;
  now: () => Date;
  newId: (prefix: string) => string;
}

/** Where a change comes from, for the audit trail. */
export interface ChangeSource {
  actor: Actor;
  channel: Channel;
  context?: Record<string, unknown>;
  /** Who asks for the change, for the ownership checks (./ownership.ts); absent for system writes. */
  writer?: Writer;
}
