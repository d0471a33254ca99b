/** Record use-case dependencies over the record port in memory (./memory-records.ts). */
import type { ChangeSource, RecordDeps } from '#functions/records/ports';
import { testId } from './builders.ts';
import { MemoryRecords } from './memory-records.ts';

export const NOW = new Date('2026-03-02T10:00:00.000Z');

export function recordDeps(store = new MemoryRecords()): RecordDeps & { store: MemoryRecords } {
  let next = 100;
  return {
    store,
    now: () => NOW,
    newId: (prefix) => testId(prefix, next++),
  };
}

export const source: ChangeSource = {
  actor: { id: 'key_01JDACTOR', name: 'CRM sync', role: 'admin', kind: 'api-key' },
  channel: 'api',
  context: { ip: '203.0.113.7', userAgent: 'crm-sync/1.0', correlationId: 'corr-1' },
};
