/**
 * Turns a Step Functions execution history (GetExecutionHistory, every page) into a timeline a
 * person can read: one entry per state visited, in order, with its input and output, its task
 * attempts (retries are repeated attempts, with the backoff between them), the error that failed
 * it and where a Catch sent it, how long it took, and for `.waitForTaskToken` tasks the callback
 * — handed over when, settled how, and by whom where the product recorded it.
 *
 * Events are grouped into visits by `previousEventId`, which Step Functions points at the
 * previous event of the same state (a task's Scheduled at its StateEntered, a retry's Scheduled
 * at the failure before it). A Catch shows as a failed visit followed by a state whose entry
 * points back at it; AWS leaves the caught state without a StateExited, the local service emits
 * one — both read as `caught`.
 *
 * Task tokens are capabilities: the timeline never shows one, only a fingerprint.
 */
import { createHash } from 'node:crypto';
import type { HistoryEvent } from '#connectors/stepfunctions/execution-reader';
import type { StateVisit, TaskAttempt } from '#schemas/execution';
import { type TaskCallbackRecord, tokenDigest } from '#store/execution-links';

/** Payloads larger than this are left out of the timeline (their size is given instead). */
export const MAX_PAYLOAD_BYTES = 32 * 1024;
/**
 * All payloads of one timeline together; later ones are left out past it. The answer must stay
 * under Lambda's 6 MB response limit, and every state's own fields take room too (about 300
 * bytes for a Pass state, more for a task with attempts), so a history of many states leaves
 * less for payloads: ~4 MiB minus 500 bytes a state, within 256 KiB … 2 MiB.
 */
export const MAX_TOTAL_PAYLOAD_BYTES = 2 * 1024 * 1024;
const MIN_TOTAL_PAYLOAD_BYTES = 256 * 1024;
export const payloadBudget = (states: number) =>
  Math.min(MAX_TOTAL_PAYLOAD_BYTES, Math.max(MIN_TOTAL_PAYLOAD_BYTES, 4 * 1024 * 1024 - 500 * states));

type Json = unknown;
type Details = Record<string, unknown>;

export interface TimelineInput {
  events: readonly HistoryEvent[];
  /** The execution's status as DescribeExecution reports it. */
  status: string;
  /** Who settled which task token, by the token's SHA-256 (see tokenDigestsIn). */
  callbacks?: ReadonlyMap<string, TaskCallbackRecord>;
  /** The record's history, where flows note their decisions. */
  recordHistory?: string;
  /** Reference time for visits still running. */
  now?: Date;
}

export interface Timeline {
  input?: Json;
  output?: Json;
  error?: string;
  cause?: string;
  states: StateVisit[];
  omitted?: Record<string, number>;
}

const TOKEN_KEY = /token/i;
const fingerprint = (token: string) =>
  `…${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;

/** The details object of an event, whatever its type (`taskScheduledEventDetails` …). */
function detailsOf(event: HistoryEvent): Details {
  for (const [key, value] of Object.entries(event))
    if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as Details;
  return {};
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function parseJson(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Task tokens inside a task's parameters: string values of fields whose name says token. */
function tokensIn(value: Json, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) tokensIn(item, found);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      if (TOKEN_KEY.test(key) && typeof item === 'string' && item.length >= 16) found.push(item);
      else tokensIn(item, found);
    }
  return found;
}

/** The same value with every token field replaced by the token's fingerprint. */
function maskTokens(value: Json): Json {
  if (Array.isArray(value)) return value.map(maskTokens);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        TOKEN_KEY.test(key) && typeof item === 'string' && item.length >= 16
          ? `[task token ${fingerprint(item)}]`
          : maskTokens(item),
      ]),
    );
  return value;
}

const isScheduled = (type: string) =>
  type === 'TaskScheduled' || type === 'LambdaFunctionScheduled' || type === 'ActivityScheduled';

/** The SHA-256 digests of every task token the history's callback tasks were given. */
export function tokenDigestsIn(events: readonly HistoryEvent[]): string[] {
  const digests = new Set<string>();
  for (const event of events) {
    if (event.type !== 'TaskScheduled') continue;
    const details = detailsOf(event);
    if (!String(details.resource ?? '').endsWith('.waitForTaskToken')) continue;
    const parameters = str(details.parameters);
    for (const token of parameters ? tokensIn(parseJson(parameters)) : []) digests.add(tokenDigest(token));
  }
  return [...digests];
}

/** Shows payloads up to a size, within a budget for the whole timeline. */
class Payloads {
  private used = 0;
  constructor(private readonly budget: number) {}
  show(target: { omitted?: Record<string, number> } & Record<string, unknown>, field: string, text: unknown) {
    if (typeof text !== 'string') return;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_PAYLOAD_BYTES || this.used + bytes > this.budget) {
      target.omitted = { ...target.omitted, [field]: bytes };
      return;
    }
    this.used += bytes;
    target[field] = maskTokens(parseJson(text));
  }
}

interface AttemptDraft {
  out: TaskAttempt & Record<string, unknown>;
  scheduled: Date;
  started?: Date;
  submitted?: Date;
  ended?: Date;
  token?: string;
  callback: boolean;
}

interface VisitDraft {
  out: StateVisit & Record<string, unknown>;
  entered: HistoryEvent;
  eventIds: Set<number>;
  container: boolean;
  attempts: AttemptDraft[];
  exited?: Date;
  failedAt?: Date;
  failure?: { error?: string; cause?: string };
  abortedAt?: Date;
  lastAt: Date;
}

const iso = (date: Date) => date.toISOString();
const ms = (from: Date, to: Date) => Math.max(0, to.getTime() - from.getTime());

export function formatDuration(millis: number): string {
  if (millis < 1000) return `${millis} ms`;
  const seconds = millis / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const units: [number, string][] = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) {
      if (n > 0) parts.push(`${n} ${unit}`);
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function buildTimeline(input: TimelineInput): Timeline {
  const payloads = new Payloads(
    payloadBudget(input.events.filter((event) => event.type?.endsWith('StateEntered')).length),
  );
  const timeline: Timeline & Record<string, unknown> = { states: [] };
  const visits: VisitDraft[] = [];
  const byEvent = new Map<number, VisitDraft>();
  const containers: VisitDraft[] = [];
  const closed = input.status !== 'RUNNING';
  let executionFailureVisit: VisitDraft | undefined;

  const lastOpenNamed = (name: string | undefined, type?: string) => {
    for (let i = visits.length - 1; i >= 0; i--) {
      const visit = visits[i] as VisitDraft;
      if (visit.out.name === name && !visit.exited && (!type || visit.out.type === type)) return visit;
    }
    return undefined;
  };
  const closeContainer = (visit: VisitDraft) => {
    const at = containers.indexOf(visit);
    if (at >= 0) containers.splice(at, 1);
  };

  for (const event of input.events) {
    const type = event.type ?? '';
    const at = event.timestamp ?? new Date(0);
    const details = detailsOf(event);

    if (type.endsWith('StateEntered')) {
      const stateType = type.slice(0, -'StateEntered'.length);
      const parent = containers.at(-1);
      const visit: VisitDraft = {
        out: {
          id: event.id ?? 0,
          name: String(details.name ?? stateType),
          type: stateType,
          ...(parent ? { parent: parent.out.id } : {}),
          status: 'running',
          summary: '',
          enteredAt: iso(at),
        },
        entered: event,
        eventIds: new Set([event.id ?? 0]),
        container: stateType === 'Parallel' || stateType === 'Map',
        attempts: [],
        lastAt: at,
      };
      payloads.show(visit.out, 'input', details.input);
      visits.push(visit);
      byEvent.set(event.id ?? 0, visit);
      if (visit.container) containers.push(visit);
      continue;
    }

    if (type.startsWith('Execution')) {
      if (type === 'ExecutionStarted') payloads.show(timeline, 'input', details.input);
      else if (type === 'ExecutionSucceeded') payloads.show(timeline, 'output', details.output);
      else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
        if (str(details.error)) timeline.error = str(details.error);
        if (str(details.cause)) timeline.cause = str(details.cause);
        if (type === 'ExecutionFailed') executionFailureVisit = byEvent.get(event.previousEventId ?? -1);
      }
      continue;
    }

    // Which visit the event belongs to: by name where the event carries the state's name (a
    // Map iteration's previous event may be inside the iteration), else by the event before it.
    let visit: VisitDraft | undefined;
    if (type.endsWith('StateExited')) visit = lastOpenNamed(str(details.name));
    else if (type.startsWith('MapIteration')) visit = lastOpenNamed(str(details.name), 'Map');
    visit ??= byEvent.get(event.previousEventId ?? -1);
    if (!visit) continue;
    byEvent.set(event.id ?? 0, visit);
    visit.eventIds.add(event.id ?? 0);
    visit.lastAt = at;

    const attempt = visit.attempts.at(-1);
    if (type.endsWith('StateExited')) {
      visit.exited = at;
      payloads.show(visit.out, 'output', details.output);
      closeContainer(visit);
    } else if (isScheduled(type)) {
      const resource = String(details.resource ?? '');
      const previous = visit.attempts.at(-1);
      const draft: AttemptDraft = {
        out: {
          number: visit.attempts.length + 1,
          resource: details.resourceType ? `${String(details.resourceType)}:${resource}` : resource,
          status: 'running',
          scheduledAt: iso(at),
          ...(previous?.ended ? { retryDelayMs: ms(previous.ended, at) } : {}),
        },
        scheduled: at,
        callback: resource.endsWith('.waitForTaskToken'),
      };
      const parameters = str(details.parameters) ?? str(details.input);
      if (parameters !== undefined) {
        if (draft.callback) draft.token = tokensIn(parseJson(parameters))[0];
        payloads.show(draft.out, 'parameters', parameters);
      }
      visit.attempts.push(draft);
    } else if (!attempt) {
      // Events about the state as a whole.
      if (type === 'ParallelStateFailed' || type === 'MapStateFailed') {
        visit.failure = {};
        visit.failedAt = at;
        closeContainer(visit);
      } else if (type.endsWith('StateAborted')) {
        visit.abortedAt = at;
        closeContainer(visit);
      } else if (type === 'MapStateStarted') {
        visit.out.items = { total: Number(details.length ?? 0), succeeded: 0, failed: 0, aborted: 0 };
      } else if (type.startsWith('MapIteration') && type !== 'MapIterationStarted') {
        visit.out.items ??= { succeeded: 0, failed: 0, aborted: 0 };
        const items = visit.out.items;
        if (type === 'MapIterationSucceeded') items.succeeded++;
        else if (type === 'MapIterationFailed') items.failed++;
        else if (type === 'MapIterationAborted') items.aborted++;
      }
    } else if (type.endsWith('Started')) {
      attempt.started = at;
      attempt.out.startedAt = iso(at);
    } else if (type === 'TaskSubmitted') {
      attempt.submitted = at;
    } else if (type.endsWith('Succeeded')) {
      attempt.ended = at;
      attempt.out.status = 'succeeded';
      payloads.show(attempt.out, 'output', details.output);
    } else if (type.endsWith('TimedOut') || type.endsWith('Failed')) {
      attempt.ended = at;
      attempt.out.status = type.endsWith('TimedOut') ? 'timed-out' : 'failed';
      if (str(details.error)) attempt.out.error = str(details.error);
      if (str(details.cause)) attempt.out.cause = str(details.cause);
    } else if (type.endsWith('StateAborted')) {
      visit.abortedAt = at;
    }
  }

  const now = input.now ?? new Date();
  for (const [index, visit] of visits.entries()) {
    const next = visits
      .slice(index + 1)
      .find(
        (later) =>
          later.out.parent !== visit.out.id && visit.eventIds.has(later.entered.previousEventId ?? -1),
      );
    timeline.states.push(
      finishVisit(visit, next, input, closed, visit === executionFailureVisit, timeline, now),
    );
  }
  return timeline;
}

function finishVisit(
  visit: VisitDraft,
  next: VisitDraft | undefined,
  input: TimelineInput,
  closed: boolean,
  failedTheExecution: boolean,
  execution: Timeline,
  now: Date,
): StateVisit {
  const out = visit.out;
  for (const attempt of visit.attempts) finishAttempt(attempt, input, closed);
  const last = visit.attempts.at(-1);
  const lastFailed = last?.out.status === 'failed' || last?.out.status === 'timed-out';
  if (lastFailed && last) {
    visit.failure = {
      ...(last.out.error ? { error: last.out.error } : {}),
      ...(last.out.cause ? { cause: last.out.cause } : {}),
    };
    visit.failedAt = last.ended;
  }
  if (out.type === 'Fail' || failedTheExecution) {
    visit.failure ??= {};
    visit.failedAt ??= visit.lastAt;
  }
  if (visit.failure && failedTheExecution && !visit.failure.error) {
    if (execution.error) visit.failure.error = execution.error;
    if (execution.cause) visit.failure.cause = execution.cause;
  }
  if (visit.failure?.error) out.error = visit.failure.error;
  if (visit.failure?.cause) out.cause = visit.failure.cause;

  if (visit.abortedAt) out.status = 'aborted';
  else if (visit.failure && (visit.exited || next)) {
    out.status = 'caught';
    if (next) out.caughtBy = next.out.name;
  } else if (visit.failure) out.status = 'failed';
  else if (visit.exited) out.status = 'succeeded';
  else if (!closed) out.status = 'running';
  else out.status = input.status === 'TIMED_OUT' ? 'timed-out' : 'aborted';

  const end = visit.exited ?? visit.failedAt ?? visit.abortedAt ?? (closed ? visit.lastAt : undefined);
  const entered = visit.entered.timestamp ?? new Date(0);
  if (end) {
    out.exitedAt = iso(end);
    out.durationMs = ms(entered, end);
  }
  if (visit.attempts.length > 0) {
    out.attempts = visit.attempts.map((a) => a.out);
    out.retries = visit.attempts.length - 1;
  }
  out.summary = summarise(out, last, end ? undefined : ms(entered, now));
  return out;
}

function finishAttempt(attempt: AttemptDraft, input: TimelineInput, closed: boolean) {
  const out = attempt.out;
  if (attempt.ended) {
    out.endedAt = iso(attempt.ended);
    out.durationMs = ms(attempt.scheduled, attempt.ended);
  } else if (attempt.callback && attempt.submitted) out.status = 'waiting-for-callback';
  if (!attempt.callback) return;

  const settlement: NonNullable<TaskAttempt['callback']>['settlement'] =
    out.status === 'succeeded'
      ? 'success'
      : out.status === 'timed-out'
        ? out.error === 'States.HeartbeatTimeout'
          ? 'heartbeat-timeout'
          : 'timeout'
        : out.status === 'failed'
          ? attempt.submitted
            ? 'failure'
            : 'not-handed-over'
          : closed
            ? 'abandoned'
            : 'pending';
  const sender =
    (settlement === 'success' || settlement === 'failure') && attempt.token
      ? input.callbacks?.get(tokenDigest(attempt.token))
      : undefined;
  const callback: NonNullable<TaskAttempt['callback']> = {
    token: attempt.token ? fingerprint(attempt.token) : '(not found in the task’s parameters)',
    ...(attempt.submitted ? { handedOverAt: iso(attempt.submitted) } : {}),
    settlement,
    ...(attempt.ended && settlement !== 'not-handed-over' ? { settledAt: iso(attempt.ended) } : {}),
    ...(sender
      ? {
          settledBy: {
            actor: sender.actor,
            channel: sender.channel,
            at: sender.at,
            outcome: sender.outcome,
            ...(sender.summary ? { summary: sender.summary } : {}),
            ...(sender.href ? { href: sender.href } : {}),
          },
        }
      : {}),
    ...(input.recordHistory ? { seeAlso: input.recordHistory } : {}),
    note: '',
  };
  callback.note = callbackNote(callback, sender, input.recordHistory);
  out.callback = callback;
}

function callbackNote(
  callback: NonNullable<TaskAttempt['callback']>,
  sender: TaskCallbackRecord | undefined,
  recordHistory: string | undefined,
): string {
  const where = recordHistory ? ` The record’s history (${recordHistory}) has what the flow noted.` : '';
  switch (callback.settlement) {
    case 'pending':
      return callback.handedOverAt
        ? `Waiting for SendTaskSuccess or SendTaskFailure on this task token since ${callback.handedOverAt}.`
        : 'The task’s function has not yet taken the task token.';
    case 'success':
    case 'failure': {
      const call = callback.settlement === 'success' ? 'SendTaskSuccess' : 'SendTaskFailure';
      if (sender) {
        const who = sender.actor.onBehalfOf
          ? `${sender.actor.name} (for ${sender.actor.onBehalfOf})`
          : sender.actor.name;
        return `${who} answered by ${sender.channel} at ${sender.at} (${call}).${sender.summary ? ` ${sender.summary}` : ''}`;
      }
      return `Answered with ${call} at ${callback.settledAt}; Step Functions does not record who sent it.${where}`;
    }
    case 'timeout':
      return `Nobody answered within the task’s TimeoutSeconds; it timed out at ${callback.settledAt}.`;
    case 'heartbeat-timeout':
      return `No heartbeat arrived within the task’s HeartbeatSeconds; it timed out at ${callback.settledAt}.`;
    case 'not-handed-over':
      return 'The task’s function failed before it took the task token: nobody was asked.';
    case 'abandoned':
      return 'The execution ended while this task token was still waited on.';
  }
}

function summarise(
  visit: StateVisit,
  last: AttemptDraft | undefined,
  runningFor: number | undefined,
): string {
  const took = visit.durationMs !== undefined ? ` in ${formatDuration(visit.durationMs)}` : '';
  const tries = visit.attempts?.length ?? 0;
  const afterTries =
    tries > 1 ? ` after ${tries} attempts (${tries - 1} ${tries === 2 ? 'retry' : 'retries'})` : '';
  const error = visit.error ? ` with ${visit.error}` : '';
  switch (visit.status) {
    case 'running': {
      const since = runningFor !== undefined ? ` for ${formatDuration(runningFor)}` : '';
      if (visit.type === 'Wait') return `Waiting${since}.`;
      if (last?.out.status === 'waiting-for-callback')
        return `Waiting for a callback on its task token${since}.`;
      if (tries > 1) return `Running attempt ${tries}${since}.`;
      return `Running${since}.`;
    }
    case 'succeeded':
      if (visit.type === 'Wait') return `Waited ${formatDuration(visit.durationMs ?? 0)}.`;
      if (last?.callback) return `Answered${took}${afterTries}.`;
      return `Succeeded${took}${afterTries}.`;
    case 'caught':
      return `Failed${error}${afterTries}; a Catch sent it to “${visit.caughtBy ?? 'the next state'}”.`;
    case 'failed':
      return visit.type === 'Fail'
        ? `Failed the execution${error}.`
        : `Failed${error}${afterTries}; the execution failed here.`;
    case 'aborted':
      return `Stopped${took}: the execution ended before the state finished.`;
    case 'timed-out':
      return `Stopped${took}: the execution timed out.`;
  }
}
