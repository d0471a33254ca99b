/**
 * An execution's history in GetExecutionHistory's terms: AWS's event types, ids counting from 1,
 * a `previousEventId` pointing at the event that led to this one, and details under the key
 * AWS uses (`taskScheduledEventDetails` …).
 *
 * After a restart the execution is replayed, which produces its history again. Events are
 * deterministic, so an event whose id and type match the one stored before the restart keeps the
 * stored version (its original timestamp); the recorder notes the lowest id it had to change so
 * persistence rewrites only that far back.
 */
import { JSONPath } from 'jsonpath-plus';
import type { StateMeta } from './definition.ts';
import type { Json } from './json.ts';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch milliseconds; the API answers epoch seconds. */
  timestamp: number;
  type: string;
  details?: Record<string, unknown>;
}

/** AWS stops an execution whose history reaches this many events. */
export const MAX_HISTORY_EVENTS = 25_000;

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  /** The lowest index changed since persistence last took note (Infinity: nothing changed). */
  changedFrom = 0;
  private readonly lastOfState = new Map<string, number>();

  /** `prior`: the history stored before a restart, reused where the replay matches it. */
  constructor(private readonly prior: readonly HistoryEvent[] = []) {}

  get length() {
    return this.events.length;
  }

  get lastId() {
    return this.events.length;
  }

  add(type: string, details?: Record<string, unknown>, stateName?: string): HistoryEvent {
    const id = this.events.length + 1;
    const previousEventId =
      stateName !== undefined && !type.endsWith('StateEntered')
        ? (this.lastOfState.get(stateName) ?? this.lastId)
        : this.lastId;
    const before = this.prior[id - 1];
    const event: HistoryEvent =
      before && before.type === type && sameState(before, details)
        ? before
        : { id, previousEventId, timestamp: Date.now(), type, ...(details ? { details } : {}) };
    if (event !== before) this.changedFrom = Math.min(this.changedFrom, id - 1);
    this.events.push(event);
    if (stateName !== undefined) this.lastOfState.set(stateName, id);
    return event;
  }

  /** Called by persistence once the events up to now are on their way to the store. */
  markPersisted() {
    this.changedFrom = Number.POSITIVE_INFINITY;
  }
}

function sameState(before: HistoryEvent, details: Record<string, unknown> | undefined): boolean {
  const name = (before.details as { name?: unknown } | undefined)?.name;
  return name === undefined || name === details?.name;
}

/** The key AWS puts an event's details under. */
export function detailsKey(type: string): string | undefined {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  if (/^(Parallel|Map)State(Started|Succeeded|Failed|Aborted)$/.test(type) && type !== 'MapStateStarted')
    return undefined;
  if (type === 'LambdaFunctionStarted') return undefined;
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
}

/** An event as the API answers it. */
export function eventForApi(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    timestamp: event.timestamp / 1000,
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
  };
  const key = detailsKey(event.type);
  if (key) {
    let details = event.details ?? {};
    if (!includeExecutionData) {
      const { input: _input, output: _output, ...rest } = details;
      details = rest;
    }
    out[key] = details;
  }
  return out;
}

export type AddEvent = (
  type: string,
  details: Record<string, unknown> | undefined,
  stateName?: string,
) => void;

/** The state-entered event the library's StateEntered maps to, plus what AWS adds for Parallel and Map. */
export function stateEntered(add: AddEvent, meta: StateMeta, input: Json): void {
  add(
    `${meta.type}StateEntered`,
    { name: meta.name, input: JSON.stringify(input), inputDetails: { truncated: false } },
    meta.name,
  );
  if (meta.type === 'Parallel') add('ParallelStateStarted', undefined, meta.name);
  if (meta.type === 'Map') add('MapStateStarted', { length: countItems(meta, input) }, meta.name);
}

export function stateExited(add: AddEvent, meta: StateMeta, output: Json): void {
  if (meta.type === 'Parallel') add('ParallelStateSucceeded', undefined, meta.name);
  if (meta.type === 'Map') add('MapStateSucceeded', undefined, meta.name);
  add(
    `${meta.type}StateExited`,
    { name: meta.name, output: JSON.stringify(output), outputDetails: { truncated: false } },
    meta.name,
  );
}

/** How many items a Map state iterates over, for MapStateStarted (0 when the path cannot be read here). */
function countItems(meta: StateMeta, input: Json): number {
  try {
    let items: unknown = input;
    if (meta.inputPath === null) items = {};
    else if (meta.inputPath && meta.inputPath !== '$') items = query(meta.inputPath, items);
    if (meta.itemsPath && meta.itemsPath !== '$') items = query(meta.itemsPath, items);
    return Array.isArray(items) ? items.length : 0;
  } catch {
    return 0;
  }
}

const query = (path: string, json: unknown): unknown =>
  path.startsWith('$$') ? undefined : JSONPath({ path, json: json as object, wrap: false });
