/** What the admin-document use cases need: the records and the immutable document versions. */
import type { DocumentVersions } from '#store/document-versions';
import type { RecordDeps } from '../records/ports.ts';

/** The records ports, and the store of document versions. */
export interface DocumentDeps extends RecordDeps {
  versions: Pick<DocumentVersions, 'put' | 'get' | 'list'>;
}
