import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { logger } from '#platform/observability';
import { AuditEntry } from '#schemas/audit';
import { streamConsumer } from '../shared/batch-consumer.ts';
import { eventsOf } from './domain/event-catalogue.ts';
import { eventDeps } from './wiring.ts';

/**
 * The records table's stream → events. Each new audit entry (written in the same transaction as
 * its change, so only committed changes have one) becomes its events: stored for GET /v1/events
 * and sent to the events queue for the webhooks, a batch at a time. Stored under a condition, so
 * a batch retried stores nothing twice; queued again on a retry, which the deliveries take once.
 */
export const handler = streamConsumer(async (records: DynamoDBRecord[]) => {
  const events = records.flatMap(eventsOfRecord);
  if (events.length === 0) return;
  const deps = eventDeps();
  await Promise.all(events.map((event) => deps.events.put(event)));
  await deps.eventsQueue.send(events.map((event) => ({ body: JSON.stringify(event) })));
});

function eventsOfRecord(record: DynamoDBRecord) {
  // On AWS the event source mapping's filter passes new audit entries only; the key is checked
  // here too (locally every record arrives), before anything else of the item is read.
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image?.sk?.S?.startsWith('AUDIT#')) return [];
  const item = unmarshall(image as Record<string, AttributeValue>);
  const { pk: _pk, sk: _sk, entity: _entity, ...fields } = item;
  const parsed = AuditEntry.safeParse(fields);
  if (!parsed.success) {
    // A bug, not a fault a retry cures: holding up the shard for it would stop every event after it.
    logger.error('an audit entry that does not parse has no event', {
      key: `${item.pk} ${item.sk}`,
      issues: parsed.error.issues,
    });
    return [];
  }
  return eventsOf(parsed.data);
}
