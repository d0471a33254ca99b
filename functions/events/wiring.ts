/**
 * Production wiring of the events functions. Environment:
 *   TABLE_NAME         the records table (events are kept in it)
 *   EVENTS_QUEUE_URL   the queue new events go to (the stream consumer only)
 */
import * as z from 'zod';
import { SqsQueue } from '#connectors/queues/sqs-queue';
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { EventStore } from '#store/events';
import { RecordStore } from '#store/record-store';
import type { EventDeps } from './ports.ts';

const EventsEnv = TableEnv.extend({ EVENTS_QUEUE_URL: z.url().optional() });

let deps: EventDeps | undefined;
export function eventDeps(): EventDeps {
  if (deps) return deps;
  const config = loadConfig(EventsEnv);
  const url = config.EVENTS_QUEUE_URL;
  deps = {
    events: new EventStore(documents, config.TABLE_NAME),
    eventsQueue: url
      ? new SqsQueue(url)
      : {
          send: async () => {
            throw new Error('EVENTS_QUEUE_URL is not set: this function does not queue events');
          },
        },
    records: new RecordStore(documents, config.TABLE_NAME),
    now: () => new Date(),
  };
  return deps;
}
