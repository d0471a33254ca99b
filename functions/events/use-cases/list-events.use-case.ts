/**
 * GET /v1/events: recent events, newest first.
 * - By record (`record=quote:quo_…`): the record's own history, each entry read as its events — the
 *   same ids and types the stream produced, for as long as the record keeps its history.
 * - Otherwise the kept events (35 days), optionally of one type or a `prefix.*`, since a time
 *   (30 days ago by default).
 */
import { EventListQuery, type JunctionEvent } from '#schemas/events';
import { parseOrThrow } from '../../shared/errors.ts';
import { eventsOf } from '../domain/event-catalogue.ts';
import type { EventDeps } from '../ports.ts';

const THIRTY_DAYS_MS = 30 * 86_400_000;

export async function listEvents(deps: EventDeps, query: unknown) {
  const q = parseOrThrow(EventListQuery, query, 'query');
  const since = q.since ? new Date(q.since) : new Date(deps.now().getTime() - THIRTY_DAYS_MS);
  const wanted = (event: JunctionEvent) =>
    event.timestamp >= since.toISOString() &&
    (!q.type ||
      (q.type.endsWith('.*')
        ? event.type.startsWith(q.type.slice(0, -1))
        : q.type === '*' || event.type === q.type));
  if (q.record) {
    const [type = '', id = ''] = q.record.split(':');
    const page = await deps.records.history(type, id, q.limit, q.cursor);
    return { items: page.items.flatMap(eventsOf).filter(wanted), nextCursor: page.nextCursor };
  }
  const type =
    !q.type || q.type === '*'
      ? undefined
      : q.type.endsWith('.*')
        ? { prefix: q.type.slice(0, -1) }
        : { exact: q.type };
  return deps.events.list(
    { since, limit: q.limit, ...(type ? { type } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) },
    deps.now(),
  );
}
