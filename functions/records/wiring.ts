/**
 * Production wiring of the records use cases: the DynamoDB store over the records table,
 * built on first use (configuration read once, at cold start of the first call).
 */
import { monotonicFactory } from 'ulid';
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { RecordStore } from '#store/record-store';
import type { RecordDeps } from './ports.ts';

const ulid = monotonicFactory();

let defaults: RecordDeps | undefined;
/** The production wiring, built on first use (config read once, at cold start of the first call). */
export function recordDeps(): RecordDeps {
  if (defaults) return defaults;
  const config = loadConfig(TableEnv);
  defaults = {
    store: new RecordStore(documents, config.TABLE_NAME),
    now: () => new Date(),
    newId: (prefix) => `${prefix}_${ulid()}`,
  };
  return defaults;
}
