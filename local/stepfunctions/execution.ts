/**
 * One execution: the library runs the definition, the engine answers its Task and Wait states
 * (steps.ts), turns the library's event log into AWS history events, keeps the step records
 * that make the run durable, and closes the execution exactly once — succeeded, failed, aborted
 * or timed out.
 *
 * A restored execution (after a restart) is the same object built from its stored record: its
 * steps and history come back, and `start()` replays it from its input.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { WorkflowType } from '#workflows/registry.ts';
import { LOCAL_ROLE_ARN } from './arns.ts';
import {
  CONTEXT_EXECUTION_KEY,
  type LoadedDefinition,
  type StateMeta,
  TASK_TOKEN_SENTINEL,
} from './definition.ts';
import type { FunctionResolver } from './functions.ts';
import {
  type HistoryEvent,
  HistoryRecorder,
  MAX_HISTORY_EVENTS,
  stateEntered,
  stateExited,
} from './history.ts';
import { byteLength, type Json, MAX_PAYLOAD_BYTES } from './json.ts';
import { type AttemptResult, runTask, runWait, type StepHost, type StepRecord } from './steps.ts';
import { RunCancelled } from './task-errors.ts';
import { Deadline, scaledMs } from './timers.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

type LibraryRun = ReturnType<StateMachine['run']>;
type LibraryEvent = LibraryRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Where an execution's changes go; EXPRESS executions have none. */
export interface ExecutionPersistence {
  /** Something changed: write it soon (or at once when `urgent`). */
  changed(execution: Execution, urgent?: boolean): void;
  /** Write now; resolves once everything changed so far is stored. */
  flush(execution: Execution): Promise<void>;
}

export interface StateMachineRef {
  name: string;
  arn: string;
  type: WorkflowType;
}

/** What a stored execution brings back after a restart. */
export interface RestoredState {
  steps: StepRecord[];
  events: HistoryEvent[];
  timeoutAt?: number;
}

export interface ExecutionInit {
  arn: string;
  name: string;
  stateMachine: StateMachineRef;
  definition: LoadedDefinition;
  /** The execution input as JSON text, exactly as given. */
  input: string;
  startDate: number;
  traceHeader?: string;
  timeScale: number;
  resolveFunction: FunctionResolver;
  persistence?: ExecutionPersistence;
  log: (line: string) => void;
  restored?: RestoredState;
}

/** EXPRESS executions run for five minutes at most. */
const EXPRESS_MAX_SECONDS = 300;

interface PendingCallback {
  resolve: (result: AttemptResult) => void;
  timeout: Deadline;
  heartbeat: Deadline;
}

export class Execution implements StepHost {
  readonly arn: string;
  readonly name: string;
  readonly stateMachine: StateMachineRef;
  readonly definition: LoadedDefinition;
  readonly input: string;
  readonly startDate: number;
  readonly traceHeader: string | undefined;
  readonly timeScale: number;
  readonly resolveFunction: FunctionResolver;
  readonly log: (line: string) => void;
  readonly history: HistoryRecorder;
  readonly steps = new Map<string, StepRecord>();

  status: ExecutionStatus = 'RUNNING';
  stopDate: number | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  timeoutAt: number | undefined;
  /** Whether this run replays a stored execution (after a restart). */
  readonly restored: boolean;

  /** Counts step changes; persistence notes which count is stored, for `barrier()`. */
  stepVersion = 0;
  durableStepVersion = 0;
  /** Persistence's own bookkeeping (which parts already live in separate items). */
  storage: unknown;

  /** Aborted when the execution closes: every sleep and wait under it ends. */
  readonly lifetime: AbortSignal;
  private readonly lifetimeController = new AbortController();
  private readonly persistence: ExecutionPersistence | undefined;
  private readonly occurrences = new Map<string, number>();
  private readonly callbacks = new Map<string, PendingCallback>();
  private readonly timeoutDeadline = new Deadline(() => this.close('TIMED_OUT', {}));
  private libraryRun: LibraryRun | undefined;
  private detached = false;
  private lastFailedState: string | undefined;
  private readonly enteredAt = new Map<string, number>();
  private resolveDone!: () => void;
  /** Settles when the execution has closed. */
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(init: ExecutionInit) {
    this.arn = init.arn;
    this.name = init.name;
    this.stateMachine = init.stateMachine;
    this.definition = init.definition;
    this.input = init.input;
    this.startDate = init.startDate;
    this.traceHeader = init.traceHeader;
    this.timeScale = init.timeScale;
    this.resolveFunction = init.resolveFunction;
    this.persistence = init.persistence;
    this.log = init.log;
    this.lifetime = this.lifetimeController.signal;
    this.restored = init.restored !== undefined;
    this.history = new HistoryRecorder(init.restored?.events);
    for (const step of init.restored?.steps ?? []) this.steps.set(step.key, step);

    if (init.restored) this.timeoutAt = init.restored.timeoutAt;
    else {
      const declared = this.definition.timeoutSeconds;
      const seconds =
        this.stateMachine.type === 'EXPRESS'
          ? Math.min(declared ?? EXPRESS_MAX_SECONDS, EXPRESS_MAX_SECONDS)
          : declared;
      if (seconds !== undefined) this.timeoutAt = this.startDate + scaledMs(seconds, this.timeScale);
    }
    this.addEvent('ExecutionStarted', {
      input: this.input,
      inputDetails: { truncated: false },
      roleArn: LOCAL_ROLE_ARN,
    });
  }

  /** Runs (or, when restored, replays) the execution in the background; `done` settles at the end. */
  start(): void {
    if (this.timeoutAt !== undefined) this.timeoutDeadline.set(this.timeoutAt);
    // A restored execution whose timeout fell due while the service was down closes right here.
    if (this.status !== 'RUNNING') return;
    this.run().catch((error: unknown) => {
      this.log(`execution ${this.arn} failed inside the engine: ${(error as Error).stack ?? String(error)}`);
      this.close('FAILED', { error: 'States.Runtime', cause: `Internal error: ${String(error)}` });
    });
  }

  private async run(): Promise<void> {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const meta of this.definition.states.values()) {
      if (meta.type === 'Task') handlers[meta.name] = (input) => runTask(this, meta, input);
      if (meta.type === 'Wait') handlers[meta.name] = (input) => runWait(this, meta, input);
    }
    const execution = {
      Id: this.arn,
      Input: JSON.parse(this.input) as Json,
      Name: this.name,
      RoleArn: LOCAL_ROLE_ARN,
      StartTime: new Date(this.startDate).toISOString(),
      RedriveCount: 0,
    };
    const run = this.definition.machine.run(JSON.parse(this.input) as Json, {
      overrides: { taskResourceLocalHandlers: handlers },
      noThrowOnAbort: true,
      context: {
        [CONTEXT_EXECUTION_KEY]: execution,
        StateMachine: { Id: this.stateMachine.arn, Name: this.stateMachine.name },
        Task: { Token: TASK_TOKEN_SENTINEL },
      },
    });
    this.libraryRun = run;
    const consumed = (async () => {
      for await (const event of run.eventLogs) this.onLibraryEvent(event);
    })();
    let outcome: { output: Json } | { failure: unknown };
    try {
      outcome = { output: await run.result };
    } catch (failure) {
      outcome = { failure };
    }
    await consumed;
    if (this.status !== 'RUNNING' || this.detached) return;
    if ('output' in outcome) {
      const output = JSON.stringify(outcome.output ?? null);
      if (byteLength(output) > MAX_PAYLOAD_BYTES)
        this.close('FAILED', {
          error: 'States.DataLimitExceeded',
          cause:
            'The state/task returned a result with a size exceeding the maximum number of bytes service limit.',
        });
      else this.close('SUCCEEDED', { output });
      return;
    }
    this.close('FAILED', this.describeFailure(outcome.failure));
  }

  /** Turns the library's failure into AWS's error and cause. */
  private describeFailure(failure: unknown): { error?: string; cause?: string } {
    const raised = (failure as { cause?: unknown }).cause ?? failure;
    const error = raised instanceof Error ? raised : new Error(String(raised));
    const state = this.lastFailedState ? this.definition.states.get(this.lastFailedState) : undefined;
    if (state?.type === 'Fail') {
      // The library invents a name and message for a Fail state that declares none; AWS reports none.
      return {
        ...(state.failError ? { error: error.name } : {}),
        ...(state.failCause ? { cause: error.message } : {}),
      };
    }
    if (error.name === 'States.Runtime' && state) {
      const entered = this.enteredAt.get(state.name);
      return {
        error: error.name,
        cause: `An error occurred while executing the state '${state.name}'${entered ? ` (entered at the event id #${entered})` : ''}. ${error.message}`,
      };
    }
    return { error: error.name, ...(error.message ? { cause: error.message } : {}) };
  }

  private onLibraryEvent(event: LibraryEvent): void {
    if (this.status !== 'RUNNING') return;
    const add = this.addEvent;
    switch (event.type) {
      case 'StateEntered': {
        const meta = this.definition.states.get(event.state.name);
        if (!meta) return;
        stateEntered(add, meta, event.state.input);
        this.enteredAt.set(meta.name, this.history.lastId);
        return;
      }
      case 'StateExited': {
        const meta = this.definition.states.get(event.state.name);
        if (meta) stateExited(add, meta, event.state.output ?? null);
        return;
      }
      case 'StateFailed': {
        const meta = this.definition.states.get(event.state.name);
        this.lastFailedState = event.state.name;
        if (meta?.type === 'Parallel') add('ParallelStateFailed', undefined, meta.name);
        if (meta?.type === 'Map') add('MapStateFailed', undefined, meta.name);
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        add(event.type, { name: event.parentState.name, index: event.index }, event.parentState.name);
        return;
      default:
        // Retries, catches and Parallel branches have no history events of their own on AWS.
        return;
    }
  }

  /** Adds a history event (while running), enforcing AWS's 25,000-event limit. */
  readonly addEvent = (type: string, details?: Record<string, unknown>, stateName?: string): void => {
    if (this.status !== 'RUNNING') return;
    if (this.history.length >= MAX_HISTORY_EVENTS - 1) {
      this.close('FAILED', {
        error: 'States.Runtime',
        cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
      });
      return;
    }
    this.history.add(type, details, stateName);
    this.persistence?.changed(this);
  };

  /** The record of the step the library just entered, found again by key when replaying. */
  step(meta: StateMeta, input: Json): StepRecord {
    let base = meta.name;
    if (meta.inMap)
      base += `#${createHash('sha1').update(JSON.stringify(input)).digest('base64url').slice(0, 16)}`;
    const n = this.occurrences.get(base) ?? 0;
    this.occurrences.set(base, n + 1);
    const key = `${base}#${n}`;
    let step = this.steps.get(key);
    if (!step) {
      step = { key, state: meta.name, attempts: [] };
      this.steps.set(key, step);
    }
    return step;
  }

  /** Lets every event the library has dispatched so far reach the history. */
  settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** `urgent`: write without waiting for more changes to gather (nobody waits for it, though). */
  stepChanged(_step: StepRecord, urgent = false): void {
    this.stepVersion++;
    this.persistence?.changed(this, urgent);
  }

  /** Resolves once every step change so far is stored (at once when nothing is pending). */
  async barrier(): Promise<void> {
    if (this.persistence && this.durableStepVersion < this.stepVersion) await this.persistence.flush(this);
  }

  /** Writes everything now (StartExecution, SendTask*, StopExecution answer only once stored). */
  async flush(): Promise<void> {
    await this.persistence?.flush(this);
  }

  newToken(step: StepRecord): string {
    const locator = Buffer.from(JSON.stringify([this.arn, step.key, step.attempts.length])).toString(
      'base64url',
    );
    return `${locator}.${randomBytes(18).toString('base64url')}`;
  }

  /** The step a token belongs to while it can still be settled. */
  findCallback(token: string): StepRecord | undefined {
    const locator = parseToken(token);
    if (this.status !== 'RUNNING' || !locator || locator.executionArn !== this.arn) return undefined;
    const step = this.steps.get(locator.stepKey);
    if (!step || step.token !== token || step.result !== undefined || step.done) return undefined;
    return step;
  }

  /** Waits for a callback task's token to be settled, its TimeoutSeconds or a missed heartbeat. */
  awaitCallback(step: StepRecord): Promise<AttemptResult> {
    return new Promise((resolve, reject) => {
      if (step.result !== undefined) return resolve(step.result);
      if (this.lifetime.aborted) return reject(new RunCancelled());
      const pending: PendingCallback = {
        resolve,
        timeout: new Deadline(() => this.settleCallback(step, { error: 'States.Timeout', timedOut: true })),
        heartbeat: new Deadline(() =>
          this.settleCallback(step, { error: 'States.Timeout', timedOut: true, heartbeat: true }),
        ),
      };
      this.callbacks.set(step.key, pending);
      pending.timeout.set(step.timeoutAt);
      pending.heartbeat.set(step.heartbeatAt);
    });
  }

  /** Settles a callback once; answers whether this call did. */
  settleCallback(step: StepRecord, result: AttemptResult): boolean {
    if (step.result !== undefined || step.done || this.status !== 'RUNNING') return false;
    step.result = result;
    this.stepChanged(step);
    const pending = this.callbacks.get(step.key);
    if (pending) {
      this.callbacks.delete(step.key);
      pending.timeout.cancel();
      pending.heartbeat.cancel();
      pending.resolve(result);
    }
    return true;
  }

  heartbeat(step: StepRecord): void {
    if (step.heartbeatMs === undefined) return;
    step.heartbeatAt = Date.now() + step.heartbeatMs;
    this.stepChanged(step);
    this.callbacks.get(step.key)?.heartbeat.set(step.heartbeatAt);
  }

  stop(error: string | undefined, cause: string | undefined): void {
    this.close('ABORTED', {
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  /** Ends the engine's part without a status change (shutdown): the stored record stays RUNNING. */
  detach(): void {
    this.detached = true;
    this.timeoutDeadline.cancel();
    for (const pending of this.callbacks.values()) {
      pending.timeout.cancel();
      pending.heartbeat.cancel();
    }
    this.callbacks.clear();
    this.libraryRun?.abort();
    this.lifetimeController.abort();
  }

  private close(
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    fields: { output?: string; error?: string; cause?: string },
  ) {
    if (this.status !== 'RUNNING') return;
    const terminal = {
      SUCCEEDED: ['ExecutionSucceeded', { output: fields.output, outputDetails: { truncated: false } }],
      FAILED: ['ExecutionFailed', { error: fields.error, cause: fields.cause }],
      ABORTED: ['ExecutionAborted', { error: fields.error, cause: fields.cause }],
      TIMED_OUT: ['ExecutionTimedOut', { error: 'States.Timeout' }],
    } as const;
    const [type, details] = terminal[status];
    this.history.add(type, withoutUndefined(details));
    this.status = status;
    this.stopDate = Date.now();
    this.output = fields.output;
    this.error = fields.error;
    this.cause = fields.cause;
    this.detach();
    this.stepVersion++;
    this.persistence?.changed(this, true);
    this.resolveDone();
  }
}

export function parseToken(
  token: string,
): { executionArn: string; stepKey: string; attempt: number } | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      typeof parsed[2] === 'number'
    )
      return { executionArn: parsed[0], stepKey: parsed[1], attempt: parsed[2] };
  } catch {
    // not one of ours
  }
  return undefined;
}

function withoutUndefined(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}
