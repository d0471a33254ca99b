/**
 * The errors a Task state fails with, shaped so the library's Retry and Catch matching treats
 * them as AWS would: the error name is what `ErrorEquals` matches, the message is the `Cause`.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import './polyfill.ts';

/** A task failure as Step Functions reports it: an error name and a cause (often JSON). */
export class TaskFailure extends Error {
  constructor(error: string | undefined, cause: string | undefined) {
    super(cause ?? '');
    this.name = error ?? '';
  }
}

/** `States.Runtime`: a definition that cannot run on this input. Neither Retry nor Catch sees it. */
export class StatesRuntimeError extends TaskFailure {
  constructor(cause: string) {
    super('States.Runtime', cause);
  }
  get isRetryable() {
    return false;
  }
  get isCatchable() {
    return false;
  }
}

/**
 * `States.DataLimitExceeded` is terminal on AWS: neither Retry nor a `States.ALL` catcher sees
 * it. The library reads these two flags to decide.
 */
export class DataLimitExceeded extends TaskFailure {
  constructor(what: string) {
    super(
      'States.DataLimitExceeded',
      `The ${what} exceeds the maximum number of bytes service limit (262144).`,
    );
  }
  get isRetryable() {
    return false;
  }
  get isCatchable() {
    return false;
  }
}

/**
 * Raised under a task when its execution closes (StopExecution, execution timeout, shutdown).
 * Neither Retry nor Catch may see it, so the library unwinds without running another state.
 */
export class RunCancelled extends Error {
  override name = 'RunCancelled';
  get isRetryable() {
    return false;
  }
  get isCatchable() {
    return false;
  }
}

let timeoutPrototype: object | undefined;

/**
 * The library lets a `States.TaskFailed` catcher match any Task error except one that is an
 * instance of its own (unexported) timeout class, which is AWS's rule. Our task timeouts must be
 * instances of that class, so it is captured once from a 1 ms library timeout.
 */
export async function captureLibraryTimeoutClass(): Promise<void> {
  if (timeoutPrototype) return;
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run(null, {
    overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => {}) } },
  });
  const error = await run.result.then(
    () => undefined,
    (e: unknown) => (e as { cause?: unknown }).cause,
  );
  if (!(error instanceof Error) || error.name !== 'States.Timeout')
    throw new Error('aws-local-stepfunctions no longer times tasks out as expected; check the upgrade');
  timeoutPrototype = Object.getPrototypeOf(error) as object;
}

/** `States.Timeout` for a task that ran past TimeoutSeconds or missed a heartbeat. */
export function statesTimeout(cause: string): TaskFailure {
  const error = new TaskFailure('States.Timeout', cause);
  if (timeoutPrototype) Object.setPrototypeOf(error, timeoutPrototype);
  return error;
}
