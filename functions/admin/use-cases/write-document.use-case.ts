import { VersionRequest } from '#schemas/admin/document';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { etagOf, firstVersion, ifMatchAdmits } from '../../records/domain/record-changes.ts';
import type { ChangeSource } from '../../records/ports.ts';
import { auditEntry, withRetries } from '../../records/use-cases/record-service.ts';
import { conflict, parseOrThrow, staleVersion } from '../../shared/errors.ts';
import type { AdminKind } from '../domain/admin-kinds.ts';
import type { DocumentDeps } from '../ports.ts';
import { checkReferences, type DocumentHead, entityOf, loadHead, loadVersion } from './document-service.ts';

/**
 * Creates an admin document with its first version.
 * 1. Validate the content against the kind's schema; every user and queue it names must exist.
 * 2. Write the head (latest version 1, active if asked), version 1 and the audit entry together.
 */
export async function createDocument(
  deps: DocumentDeps,
  kind: AdminKind,
  body: unknown,
  source: ChangeSource,
): Promise<DocumentHead> {
  const request = parseOrThrow(VersionRequest(kind.content), body);
  const content = request.content as Record<string, unknown>;
  await checkReferences(deps, kind, content);
  const now = deps.now().toISOString();
  const head: DocumentHead = {
    id: deps.newId(kind.idPrefix),
    name: String(content.name),
    latestVersion: 1,
    ...(request.activate ? { activeVersion: 1 } : {}),
    ...firstVersion(now, source.actor.id),
  };
  const summary = `version 1 created${request.activate ? ' and activated' : ''}${request.note ? `: ${request.note}` : ''}`;
  await deps.store.create(
    entityOf(kind),
    head,
    auditEntry(deps, kind, head, 'create', [{ field: '/latestVersion', to: 1 }], source, summary),
    [
      deps.versions.put(kind.name, head.id, {
        version: 1,
        content,
        createdAt: now,
        createdBy: source.actor.id,
        ...(request.note ? { note: request.note } : {}),
      }),
    ],
  );
  return head;
}

/**
 * Adds a version to a document. Earlier versions stay as they were: flows that started on them
 * keep reading them.
 * 1. With If-Match, refuse a stale head (412).
 * 2. Validate the content and its references.
 * 3. Write version n+1, move the head (and activate it if asked), audit — one transaction.
 */
export async function addVersion(
  deps: DocumentDeps,
  kind: AdminKind,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  source: ChangeSource,
): Promise<DocumentHead> {
  const request = parseOrThrow(VersionRequest(kind.content), body);
  const content = request.content as Record<string, unknown>;
  await checkReferences(deps, kind, content);
  return withRetries(
    async () => {
      const head = await loadHead(deps, kind, id);
      if (ifMatch !== undefined && !ifMatchAdmits(ifMatch, head.version)) throw stale(head);
      if (head.archived) throw conflict('archived', 'Document archived', `${kind.label} ${id} is archived.`);
      const number = head.latestVersion + 1;
      const now = deps.now().toISOString();
      const next: DocumentHead = {
        ...head,
        name: String(content.name),
        latestVersion: number,
        ...(request.activate ? { activeVersion: number } : {}),
        version: head.version + 1,
        updatedAt: now,
        updatedBy: source.actor.id,
      };
      const changes = [
        { field: '/latestVersion', from: head.latestVersion, to: number },
        ...(request.activate ? [{ field: '/activeVersion', from: head.activeVersion, to: number }] : []),
      ];
      const summary = `version ${number} created${request.activate ? ' and activated' : ''}${request.note ? `: ${request.note}` : ''}`;
      await deps.store.replace(
        entityOf(kind),
        head,
        next,
        auditEntry(deps, kind, next, 'new-version', changes, source, summary),
        [
          deps.versions.put(kind.name, id, {
            version: number,
            content,
            createdAt: now,
            createdBy: source.actor.id,
            ...(request.note ? { note: request.note } : {}),
          }),
        ],
      );
      return next;
    },
    (error) =>
      error instanceof TransactionConflictError ||
      (error instanceof VersionConflictError && ifMatch === undefined),
  );
}

/**
 * Makes a version the active one, or none (`version: null`): new flows use the active version;
 * flows in progress keep theirs.
 */
export async function setActiveVersion(
  deps: DocumentDeps,
  kind: AdminKind,
  id: string,
  version: number | null,
  ifMatch: string | undefined,
  source: ChangeSource,
): Promise<DocumentHead> {
  return withRetries(
    async () => {
      const head = await loadHead(deps, kind, id);
      if (ifMatch !== undefined && !ifMatchAdmits(ifMatch, head.version)) throw stale(head);
      if (version !== null) await loadVersion(deps, kind, id, version);
      if ((head.activeVersion ?? null) === version) return head;
      const { activeVersion: _previous, ...rest } = head;
      const next: DocumentHead = {
        ...rest,
        ...(version !== null ? { activeVersion: version } : {}),
        version: head.version + 1,
        updatedAt: deps.now().toISOString(),
        updatedBy: source.actor.id,
      };
      const summary = version === null ? 'deactivated' : `version ${version} activated`;
      const change = [{ field: '/activeVersion', from: head.activeVersion, to: version ?? undefined }];
      await deps.store.replace(
        entityOf(kind),
        head,
        next,
        auditEntry(deps, kind, next, version === null ? 'deactivate' : 'activate', change, source, summary),
      );
      return next;
    },
    (error) =>
      error instanceof TransactionConflictError ||
      (error instanceof VersionConflictError && ifMatch === undefined),
  );
}

function stale(head: DocumentHead) {
  return staleVersion(
    `If-Match does not match the current version ${etagOf(head.version)}; nothing was changed.`,
    {
      currentETag: etagOf(head.version),
    },
  );
}
