/** Record use-case dependencies over a real RecordStore whose DynamoDB client a test mocks. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChangeSource, RecordDeps } from '#functions/records/ports';
import type { StoredRecord } from '#schemas/common';
import { RecordStore } from '#store/record-store';
import { testId } from './builders.ts';

export const NOW = new Date('2026-03-02T10:00:00.000Z');

export function recordDeps(): RecordDeps {
  let next = 100;
  return {
    store: new RecordStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' })),
      'records',
    ),
    now: () => NOW,
    newId: (prefix) => testId(prefix, next++),
  };
}

export const source: ChangeSource = {
  actor: { id: 'key_01JDACTOR', name: 'CRM sync', role: 'admin', kind: 'api-key' },
  channel: 'api',
  context: { ip: '203.0.113.7', userAgent: 'crm-sync/1.0', correlationId: 'corr-1' },
};

/** How the store keeps a record: its fields plus the key attributes. */
export const itemOf = (type: string, record: StoredRecord) => ({
  ...record,
  pk: `${type}#${record.id}`,
  sk: 'RECORD',
  entity: type,
});
