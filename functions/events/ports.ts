/** What the event functions need (production wiring in ./wiring.ts). */
import type { MessageQueue } from '#connectors/queues/message-queue';
import type { EventStore } from '#store/events';
import type { RecordStore } from '#store/record-store';

export interface EventDeps {
  events: Pick<EventStore, 'put' | 'list' | 'get'>;
  /** Where new events go for the webhooks' fan-out. */
  eventsQueue: MessageQueue;
  records: Pick<RecordStore, 'history'>;
  now: () => Date;
}
