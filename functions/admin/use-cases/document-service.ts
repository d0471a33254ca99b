/**
 * Shared by the admin-document use cases: the rules every version obeys (ports in ../ports.ts,
 * wiring in ../wiring.ts).
 * A document is a head record (name, latest and active version) plus immutable version items.
 */

import type { StoredRecord } from '#schemas/common';
import type { DocumentVersion } from '#store/document-versions';
import type { EntityDescriptor } from '#store/record-store';
import type { RecordDeps } from '../../records/ports.ts';
import { type FieldError, invalidFields, notFound, toPointer } from '../../shared/errors.ts';
import type { AdminKind } from '../domain/admin-kinds.ts';
import type { DocumentDeps } from '../ports.ts';

/** The store's view of a kind: heads are listed by type; nothing else is indexed. */
export const entityOf = (kind: AdminKind): EntityDescriptor => ({ name: kind.name, filters: {}, unique: [] });

export type DocumentHead = StoredRecord & { name: string; latestVersion: number; activeVersion?: number };

/** A kind's documents that have an active version, oldest first (all pages read). */
export async function activeHeads(
  deps: Pick<RecordDeps, 'store'>,
  kind: AdminKind,
): Promise<(DocumentHead & { activeVersion: number })[]> {
  const heads: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(entityOf(kind), {
      filters: [],
      limit: 100,
      includeArchived: false,
      ...(cursor ? { cursor } : {}),
    });
    heads.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return (heads as DocumentHead[])
    .filter((h): h is DocumentHead & { activeVersion: number } => typeof h.activeVersion === 'number')
    .sort((a, b) => a.id.localeCompare(b.id));
}

export async function loadHead(deps: RecordDeps, kind: AdminKind, id: string): Promise<DocumentHead> {
  const valid = new RegExp(`^${kind.idPrefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(id);
  const head = valid ? await deps.store.get(kind.name, id) : undefined;
  if (!head) throw notFound(`No ${kind.label.toLowerCase()} with id "${id.slice(0, 64)}".`);
  return head as DocumentHead;
}

export async function loadVersion<T>(
  deps: DocumentDeps,
  kind: AdminKind,
  id: string,
  version: number,
): Promise<DocumentVersion<T>> {
  const found = await deps.versions.get<T>(kind.name, id, version);
  if (!found) throw notFound(`${kind.label} ${id} has no version ${version}.`);
  return found;
}

/** Every user and queue a version names must exist and be live. */
export async function checkReferences(
  deps: RecordDeps,
  kind: AdminKind,
  content: Record<string, unknown>,
): Promise<void> {
  const references = kind.references(content);
  const found = await deps.store.getMany(references.map((r) => ({ type: r.type, id: r.id })));
  const errors: FieldError[] = references.flatMap((ref) => {
    const record = found.get(`${ref.type}#${ref.id}`);
    const pointer = toPointer(['content', ...ref.path]);
    if (!record)
      return [{ pointer, detail: `no ${ref.type} with id "${ref.id}" exists`, code: 'unknown_reference' }];
    if (record.archived)
      return [{ pointer, detail: `${ref.type} ${ref.id} is archived`, code: 'archived_reference' }];
    return [];
  });
  if (errors.length > 0) throw invalidFields(errors);
}

/** The head as clients see it, with the active version's content when there is one. */
export async function presentDocument(deps: DocumentDeps, kind: AdminKind, head: DocumentHead) {
  const active = head.activeVersion
    ? await deps.versions.get(kind.name, head.id, head.activeVersion)
    : undefined;
  return {
    ...head,
    kind: kind.name,
    ...(active ? { active: { version: active.version, content: active.content } } : {}),
  };
}
