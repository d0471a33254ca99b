/**
 * What happens when the library reaches a Task or a (compiled) Wait state: the engine's "steps".
 *
 * A step is one entry into a Task or Wait state. Its record — attempts so far, the outcome, the
 * task token, deadlines — is what makes an execution durable: after a restart the execution is
 * replayed from its input, and a step whose record says it finished hands back the recorded
 * outcome instead of calling the function again. A step is found again by its key: the state's
 * name and how many times this run has entered it (plus a digest of the input inside a Map,
 * whose iterations interleave).
 *
 * Durability points ("barriers"): before any function is invoked, every outcome recorded so far
 * is written, so a finished task is never run again; before a task token is handed to a
 * function, the token is written; a Wait of a second or more is written with its due time.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_REGION } from '#local/lambda';
import {
  type Retrier,
  type StateMeta,
  TASK_TOKEN_SENTINEL,
  type TaskMeta,
  WAIT_SECONDS,
  WAIT_TIMESTAMP,
  WRAPPED_HEARTBEAT,
  WRAPPED_PARAMETERS,
  WRAPPED_TIMEOUT,
} from './definition.ts';
import { callFunction, type FunctionResolver, type LambdaOutcome } from './functions.ts';
import { byteLength, isObject, type Json, MAX_PAYLOAD_BYTES } from './json.ts';
import { DataLimitExceeded, StatesRuntimeError, statesTimeout, TaskFailure } from './task-errors.ts';
import { scaledMs, sleepUntil } from './timers.ts';

export type AttemptResult =
  | { output: Json }
  | { error?: string; cause?: string; timedOut?: boolean; heartbeat?: boolean; terminal?: boolean };

export interface AttemptRecord {
  error?: string;
  cause?: string;
  timedOut?: boolean;
  heartbeat?: boolean;
  /** The retrier that retried it, for counting MaxAttempts and the backoff. */
  retrier: number;
  token?: string;
  submitted?: Json;
}

export interface StepRecord {
  key: string;
  state: string;
  /** Attempts that failed and were retried, oldest first. */
  attempts: AttemptRecord[];
  /** The current attempt's outcome once known. */
  result?: AttemptResult;
  /** Settled for good: `result` is the step's outcome. */
  done?: boolean;
  /** Callback tasks: the current attempt's token, and the function's answer when it took it. */
  token?: string;
  submitted?: Json;
  /** Epoch ms: the current callback attempt's TimeoutSeconds and heartbeat deadlines. */
  timeoutAt?: number;
  heartbeatAt?: number;
  /** Real milliseconds each heartbeat buys. */
  heartbeatMs?: number;
  /** Epoch ms: when a Wait fires, or when a retried task may run its next attempt. */
  dueAt?: number;
}

/** Waits shorter than this (in real time) are not worth a write; after a crash they start over. */
const DURABLE_WAIT_MS = 1000;

interface Timeouts {
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

const isSuccess = (result: AttemptResult): result is { output: Json } => 'output' in result;

/**
 * What running a step needs of its execution (./execution.ts implements it). Declared here, so
 * the steps know the execution only through this, and the two files do not import each other.
 */
export interface StepHost {
  readonly timeScale: number;
  readonly resolveFunction: FunctionResolver;
  readonly log: (line: string) => void;
  /** Aborts when the execution stops: a waiting step gives up. */
  readonly lifetime: AbortSignal;
  addEvent(type: string, details?: Record<string, unknown>, stateName?: string): void;
  step(meta: StateMeta, input: Json): StepRecord;
  settle(): Promise<void>;
  stepChanged(step: StepRecord, urgent?: boolean): void;
  barrier(): Promise<void>;
  newToken(step: StepRecord): string;
  awaitCallback(step: StepRecord): Promise<AttemptResult>;
  settleCallback(step: StepRecord, result: AttemptResult): boolean;
}

export async function runTask(execution: StepHost, meta: StateMeta, rawInput: Json): Promise<Json> {
  const task = meta.task as TaskMeta;
  const { input, timeouts } = unwrapTask(task, rawInput);
  const step = execution.step(meta, input);
  // Let the library's own events for entering this state reach the history first.
  await execution.settle();

  for (const attempt of step.attempts) replayFailedAttempt(execution, meta, task, input, timeouts, attempt);
  for (;;) {
    if (!step.done && step.result === undefined && step.dueAt !== undefined) {
      await sleepUntil(step.dueAt, execution.lifetime);
    }
    const result = await runAttempt(execution, meta, task, step, input, timeouts);
    if (isSuccess(result)) {
      if (!step.done) {
        step.done = true;
        execution.stepChanged(step);
      }
      return result.output;
    }
    const retry =
      step.done || result.terminal
        ? undefined
        : pickRetrier(task.retry, step.attempts, result, execution.timeScale);
    if (retry) {
      step.attempts.push({
        ...(result.error !== undefined ? { error: result.error } : {}),
        ...(result.cause !== undefined ? { cause: result.cause } : {}),
        ...(result.timedOut ? { timedOut: true } : {}),
        ...(result.heartbeat ? { heartbeat: true } : {}),
        retrier: retry.index,
        ...(step.token !== undefined ? { token: step.token } : {}),
        ...(step.submitted !== undefined ? { submitted: step.submitted } : {}),
      });
      for (const field of [
        'result',
        'token',
        'submitted',
        'timeoutAt',
        'heartbeatAt',
        'heartbeatMs',
      ] as const)
        delete step[field];
      step.dueAt = Date.now() + retry.delayMs;
      execution.stepChanged(step);
      continue;
    }
    if (!step.done) {
      step.done = true;
      execution.stepChanged(step);
    }
    if (result.terminal) throw new DataLimitExceeded('state/task returned a result with a size that');
    throw result.timedOut ? statesTimeout(result.cause ?? '') : new TaskFailure(result.error, result.cause);
  }
}

/** TimeoutSecondsPath / HeartbeatSecondsPath arrive evaluated, wrapped around the real Parameters. */
function unwrapTask(task: TaskMeta, rawInput: Json): { input: Json; timeouts: Timeouts } {
  const timeouts: Timeouts = {};
  if (task.timeoutSeconds !== undefined) timeouts.timeoutSeconds = task.timeoutSeconds;
  if (task.heartbeatSeconds !== undefined) timeouts.heartbeatSeconds = task.heartbeatSeconds;
  if (!task.dynamicTimeouts || !isObject(rawInput)) return { input: rawInput, timeouts };
  const seconds = (field: string, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) < 1)
      throw new StatesRuntimeError(
        `${field} must resolve to a positive integer, got ${JSON.stringify(value)}`,
      );
    return value as number;
  };
  if (WRAPPED_TIMEOUT in rawInput)
    timeouts.timeoutSeconds = seconds('TimeoutSecondsPath', rawInput[WRAPPED_TIMEOUT]);
  if (WRAPPED_HEARTBEAT in rawInput)
    timeouts.heartbeatSeconds = seconds('HeartbeatSecondsPath', rawInput[WRAPPED_HEARTBEAT]);
  return { input: (rawInput[WRAPPED_PARAMETERS] ?? null) as Json, timeouts };
}

async function runAttempt(
  execution: StepHost,
  meta: StateMeta,
  task: TaskMeta,
  step: StepRecord,
  input: Json,
  timeouts: Timeouts,
): Promise<AttemptResult> {
  const callback = task.kind === 'lambda-callback';
  const live = step.result === undefined;
  if (callback && live && step.token === undefined) {
    step.token = execution.newToken(step);
    const now = Date.now();
    if (timeouts.timeoutSeconds !== undefined)
      step.timeoutAt = now + scaledMs(timeouts.timeoutSeconds, execution.timeScale);
    if (timeouts.heartbeatSeconds !== undefined) {
      step.heartbeatMs = scaledMs(timeouts.heartbeatSeconds, execution.timeScale);
      step.heartbeatAt = now + step.heartbeatMs;
    }
    execution.stepChanged(step);
  }
  const payload = callback ? withToken(input, step.token ?? '') : input;
  events.scheduled(execution, meta, task, payload, timeouts);
  let result: AttemptResult;
  if (live) {
    // Durability point: finished steps (and this token) are stored before the function runs.
    await execution.barrier();
    events.started(execution, meta, task);
    result = callback
      ? await runCallback(execution, meta, task, step, payload)
      : await runInvocation(execution, task, payload, timeouts);
    if (step.result === undefined) {
      step.result = result;
      execution.stepChanged(step);
    } else result = step.result;
  } else {
    events.started(execution, meta, task);
    if (callback && step.submitted !== undefined) events.submitted(execution, meta, task, step.submitted);
    result = step.result as AttemptResult;
  }
  events.result(execution, meta, task, result);
  return result;
}

function replayFailedAttempt(
  execution: StepHost,
  meta: StateMeta,
  task: TaskMeta,
  input: Json,
  timeouts: Timeouts,
  attempt: AttemptRecord,
) {
  const callback = task.kind === 'lambda-callback';
  events.scheduled(execution, meta, task, callback ? withToken(input, attempt.token ?? '') : input, timeouts);
  events.started(execution, meta, task);
  if (callback && attempt.submitted !== undefined) events.submitted(execution, meta, task, attempt.submitted);
  events.result(execution, meta, task, attempt);
}

/** A Lambda call, raced against the state's TimeoutSeconds. */
async function runInvocation(
  execution: StepHost,
  task: TaskMeta,
  input: Json,
  timeouts: Timeouts,
): Promise<AttemptResult> {
  let functionName = task.resource;
  let payload: Json = input;
  let invocationType = 'RequestResponse';
  if (task.kind !== 'lambda-function') {
    const parameters = isObject(input) ? input : {};
    functionName = String(parameters.FunctionName);
    payload = parameters.Payload ?? {};
    if (typeof parameters.InvocationType === 'string') invocationType = parameters.InvocationType;
  }
  if (invocationType !== 'RequestResponse') {
    // Event: fire and forget, as Lambda's asynchronous invoke; DryRun: checks only.
    if (invocationType === 'Event')
      void callFunction(execution.resolveFunction, functionName, payload).then((outcome) => {
        if (!outcome.ok) execution.log(`asynchronous invoke of ${functionName} failed: ${outcome.error}`);
      });
    return { output: invokeResponse(invocationType === 'Event' ? 202 : 204, '') };
  }
  const call = callFunction(execution.resolveFunction, functionName, payload);
  const outcome: LambdaOutcome | 'timeout' =
    timeouts.timeoutSeconds === undefined
      ? await call
      : await Promise.race([
          call,
          sleepUntil(
            Date.now() + scaledMs(timeouts.timeoutSeconds, execution.timeScale),
            execution.lifetime,
          ).then(() => 'timeout' as const),
        ]);
  if (outcome === 'timeout') return { error: 'States.Timeout', timedOut: true };
  if (!outcome.ok) return { error: outcome.error, cause: outcome.cause };
  const output = task.kind === 'lambda-function' ? outcome.payload : invokeResponse(200, outcome.payload);
  if (byteLength(JSON.stringify(output)) > MAX_PAYLOAD_BYTES)
    return {
      error: 'States.DataLimitExceeded',
      cause: 'The task result exceeds 262144 bytes.',
      terminal: true,
    };
  return { output };
}

/**
 * `.waitForTaskToken`: invoke the function with the token, then wait for SendTaskSuccess or
 * SendTaskFailure, TimeoutSeconds or a missed heartbeat — whichever settles the token first.
 */
async function runCallback(
  execution: StepHost,
  meta: StateMeta,
  task: TaskMeta,
  step: StepRecord,
  payload: Json,
): Promise<AttemptResult> {
  const settled = execution.awaitCallback(step);
  if (step.submitted === undefined) {
    const parameters = isObject(payload) ? payload : {};
    const outcome = await callFunction(
      execution.resolveFunction,
      String(parameters.FunctionName),
      parameters.Payload ?? {},
    );
    if (!outcome.ok) {
      execution.settleCallback(step, { error: outcome.error, cause: outcome.cause });
    } else {
      step.submitted = invokeResponse(200, outcome.payload);
      // The function has done its part (sent the approval email …): store that promptly, so a
      // restart re-attaches to the token instead of asking again.
      execution.stepChanged(step, true);
      events.submitted(execution, meta, task, step.submitted);
    }
  } else {
    events.submitted(execution, meta, task, step.submitted);
  }
  return settled;
}

/** The optimised integration's answer, as Lambda's Invoke response reaches a state machine. */
function invokeResponse(statusCode: number, payload: Json): Json {
  const requestId = randomUUID();
  const headers = { 'Content-Type': 'application/json', 'X-Amzn-Requestid': requestId };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  };
}

/** Puts the token where the definition asked for `$$.Task.Token` (also inside States.Format strings). */
function withToken(value: Json, token: string): Json {
  if (typeof value === 'string')
    return value.includes(TASK_TOKEN_SENTINEL) ? value.split(TASK_TOKEN_SENTINEL).join(token) : value;
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (isObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) out[key] = withToken(item, token);
    return out;
  }
  return value;
}

/** Retry as AWS does: the first retrier whose ErrorEquals matches decides; exhausted means no retry. */
export function pickRetrier(
  retriers: readonly Retrier[],
  attempts: readonly AttemptRecord[],
  result: Exclude<AttemptResult, { output: Json }>,
  timeScale: number,
): { index: number; delayMs: number } | undefined {
  const name = result.error ?? '';
  for (const [index, retrier] of retriers.entries()) {
    if (!retrier.ErrorEquals.some((pattern) => errorMatches(pattern, name, result))) continue;
    const used = attempts.filter((attempt) => attempt.retrier === index).length;
    if (used >= (retrier.MaxAttempts ?? 3)) return undefined;
    let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** used;
    if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
    if (retrier.JitterStrategy === 'FULL') delay = Math.random() * delay;
    return { index, delayMs: scaledMs(delay, timeScale) };
  }
  return undefined;
}

function errorMatches(
  pattern: string,
  name: string,
  result: { timedOut?: boolean; heartbeat?: boolean },
): boolean {
  if (pattern === name) return true;
  if (pattern === 'States.ALL') return name !== 'States.Runtime' && name !== 'States.DataLimitExceeded';
  if (pattern === 'States.TaskFailed') return name !== 'States.Timeout' && name !== 'States.Runtime';
  if (pattern === 'States.HeartbeatTimeout') return Boolean(result.heartbeat);
  return false;
}

/** A Wait state, compiled into a Task the engine answers: a durable, scaled sleep. */
export async function runWait(execution: StepHost, meta: StateMeta, rawInput: Json): Promise<Json> {
  const wrapped = isObject(rawInput) ? rawInput : {};
  const input = (wrapped[WRAPPED_PARAMETERS] ?? null) as Json;
  const step = execution.step(meta, input);
  await execution.settle();
  if (step.dueAt === undefined) {
    const now = Date.now();
    let ms: number;
    if (WAIT_SECONDS in wrapped) {
      const seconds = wrapped[WAIT_SECONDS];
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        throw new StatesRuntimeError(
          `The Wait state's seconds must be a non-negative integer, got ${JSON.stringify(seconds)}`,
        );
      ms = scaledMs(seconds, execution.timeScale);
    } else {
      const timestamp = wrapped[WAIT_TIMESTAMP];
      const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
      if (Number.isNaN(at))
        throw new StatesRuntimeError(
          `The Wait state's timestamp is not an ISO-8601 time: ${JSON.stringify(timestamp)}`,
        );
      ms = Math.max(0, at - now) / execution.timeScale;
    }
    step.dueAt = now + ms;
    execution.stepChanged(step);
    if (ms >= DURABLE_WAIT_MS) await execution.barrier();
  }
  await sleepUntil(step.dueAt, execution.lifetime);
  return input;
}

/** The history events of one task attempt, in AWS's vocabulary for each kind of resource. */
const events = {
  scheduled(execution: StepHost, meta: StateMeta, task: TaskMeta, input: Json, timeouts: Timeouts) {
    if (task.kind === 'lambda-function') {
      execution.addEvent(
        'LambdaFunctionScheduled',
        {
          resource: task.resource,
          input: JSON.stringify(input),
          inputDetails: { truncated: false },
          ...(timeouts.timeoutSeconds !== undefined ? { timeoutInSeconds: timeouts.timeoutSeconds } : {}),
        },
        meta.name,
      );
      return;
    }
    execution.addEvent(
      'TaskScheduled',
      {
        resourceType: 'lambda',
        resource: resourceName(task),
        region: LOCAL_REGION,
        parameters: JSON.stringify(input),
        ...(timeouts.timeoutSeconds !== undefined ? { timeoutInSeconds: timeouts.timeoutSeconds } : {}),
        ...(timeouts.heartbeatSeconds !== undefined ? { heartbeatInSeconds: timeouts.heartbeatSeconds } : {}),
      },
      meta.name,
    );
  },
  started(execution: StepHost, meta: StateMeta, task: TaskMeta) {
    if (task.kind === 'lambda-function') execution.addEvent('LambdaFunctionStarted', undefined, meta.name);
    else
      execution.addEvent('TaskStarted', { resourceType: 'lambda', resource: resourceName(task) }, meta.name);
  },
  submitted(execution: StepHost, meta: StateMeta, task: TaskMeta, output: Json) {
    execution.addEvent(
      'TaskSubmitted',
      {
        resourceType: 'lambda',
        resource: resourceName(task),
        output: JSON.stringify(output),
        outputDetails: { truncated: false },
      },
      meta.name,
    );
  },
  result(execution: StepHost, meta: StateMeta, task: TaskMeta, result: AttemptResult | AttemptRecord) {
    const lambda = task.kind === 'lambda-function';
    const resource = lambda ? {} : { resourceType: 'lambda', resource: resourceName(task) };
    if ('output' in result) {
      execution.addEvent(
        lambda ? 'LambdaFunctionSucceeded' : 'TaskSucceeded',
        { ...resource, output: JSON.stringify(result.output), outputDetails: { truncated: false } },
        meta.name,
      );
      return;
    }
    const details = {
      ...resource,
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(result.cause !== undefined ? { cause: result.cause } : {}),
    };
    const kind = result.timedOut ? 'TimedOut' : 'Failed';
    execution.addEvent(lambda ? `LambdaFunction${kind}` : `Task${kind}`, details, meta.name);
  },
};

const resourceName = (task: TaskMeta) =>
  task.kind === 'lambda-callback' ? 'invoke.waitForTaskToken' : 'invoke';
