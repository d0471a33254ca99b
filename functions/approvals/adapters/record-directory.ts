/** The approval Directory over the records store: users, role holders, queue members. */
import type { Role } from '#schemas/common';
import type { RecordStore } from '#store/record-store';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { Directory, DirectoryUser } from '../ports.ts';

export function recordDirectory(store: Pick<RecordStore, 'get' | 'list'>): Directory {
  const users = new Map<string, Promise<DirectoryUser | undefined>>();
  return {
    user(id) {
      let found = users.get(id);
      if (!found) {
        found = store
          .get('user', id)
          .then((u) => (u && !u.archived ? (u as unknown as DirectoryUser) : undefined));
        users.set(id, found);
      }
      return found;
    },
    async usersWithRole(role: Role) {
      const all: DirectoryUser[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list(RECORD_TYPES.user, {
          filters: [{ field: 'role', value: role }],
          limit: 100,
          includeArchived: false,
          ...(cursor ? { cursor } : {}),
        });
        all.push(...(page.items as unknown as DirectoryUser[]));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    },
    async queueMembers(queueId) {
      const queue = await store.get('queue', queueId);
      if (!queue || queue.archived) return undefined;
      return { name: String(queue.name), memberIds: (queue.memberIds as string[] | undefined) ?? [] };
    },
  };
}
