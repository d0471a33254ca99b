/** Production wiring of admin documents: the record store and the versions over the records table. */
import { loadConfig, TableEnv } from '#platform/config';
import { DocumentVersions } from '#store/document-versions';
import { documents } from '#store/dynamodb';
import { recordDeps } from '../records/wiring.ts';
import type { DocumentDeps } from './ports.ts';

let defaults: DocumentDeps | undefined;
export function documentDeps(): DocumentDeps {
  if (defaults) return defaults;
  const config = loadConfig(TableEnv);
  defaults = { ...recordDeps(), versions: new DocumentVersions(documents, config.TABLE_NAME) };
  return defaults;
}
