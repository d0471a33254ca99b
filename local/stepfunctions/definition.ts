/**
 * Loading a state machine definition for the local service.
 *
 * 1. Validate it with asl-validator (the same rules the AWS console applies to JSONPath flows).
 * 2. Refuse whatever the local runtime cannot run faithfully — JSONata, variables, Distributed
 *    Map, Task resources other than Lambda — naming the state, so nothing passes through silently.
 * 3. Index every state (type, enclosing Parallel/Map, Task settings) for the engine.
 * 4. Compile the copy that aws-local-stepfunctions runs: the engine takes over what the library
 *    does not do durably or at all (Task retries, timeouts, heartbeats, Wait states, the
 *    execution timeout), and a few library quirks are straightened out (see `compileState`).
 *    The definition on disk, and the one DescribeStateMachine answers, stay as written.
 */
import { createHash } from 'node:crypto';
import aslValidator from 'asl-validator';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { WorkflowType } from '#workflows/registry.ts';
import { isLambdaFunctionArn, normaliseFunctionArn } from './arns.ts';
import type { FunctionResolver } from './functions.ts';
import { isObject } from './json.ts';
import './polyfill.ts';

export type StateType = 'Task' | 'Parallel' | 'Map' | 'Pass' | 'Wait' | 'Choice' | 'Succeed' | 'Fail';

type Asl = Record<string, unknown>;

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/**
 * lambda-function: `Resource` is a function ARN (history says LambdaFunction…);
 * lambda-invoke: the optimised integration, result `{ Payload, StatusCode, … }`;
 * lambda-callback: the same, then the state waits for SendTaskSuccess/SendTaskFailure.
 */
export type TaskKind = 'lambda-function' | 'lambda-invoke' | 'lambda-callback';

export interface TaskMeta {
  kind: TaskKind;
  resource: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  /** TimeoutSecondsPath / HeartbeatSecondsPath are evaluated by the library into the wrapper. */
  dynamicTimeouts: boolean;
  retry: Retrier[];
}

export interface StateMeta {
  name: string;
  type: StateType;
  /** The Parallel and Map states enclosing this one, outermost first. */
  parents: string[];
  /** Inside a Map iteration, where several runs of one state can be under way at once. */
  inMap: boolean;
  task?: TaskMeta;
  /** Map states: how to count the items for MapStateStarted. */
  inputPath?: string | null;
  itemsPath?: string;
  /** Fail states: whether an error / a cause is declared (AWS reports none otherwise). */
  failError?: boolean;
  failCause?: boolean;
}

export interface LoadedDefinition {
  /** The definition as stored and described: placeholders bound, otherwise as written. */
  text: string;
  /** Names the definition version an execution started on, so a restart resumes on the same one. */
  hash: string;
  states: Map<string, StateMeta>;
  /** Top-level TimeoutSeconds, enforced by the engine (durably, and with time scaling). */
  timeoutSeconds?: number;
  machine: StateMachine;
}

export class DefinitionError extends Error {
  override name = 'DefinitionError';
  constructor(
    readonly workflow: string,
    readonly problems: string[],
  ) {
    super(`Workflow '${workflow}' cannot be loaded:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The longest delay Node's timers take (≈ 24.8 days); the library's own Task timeout is set to it. */
export const LIBRARY_TIMEOUT_SECONDS = Math.floor(2_147_483_647 / 1000);

/** Where the compiled copy keeps the original Parameters when timeouts come from paths. */
export const WRAPPED_PARAMETERS = '__parameters';
export const WRAPPED_TIMEOUT = '__timeoutSeconds';
export const WRAPPED_HEARTBEAT = '__heartbeatSeconds';
export const WAIT_SECONDS = '__seconds';
export const WAIT_TIMESTAMP = '__timestamp';

/** The library overwrites `$$.Execution.Input` and `.StartTime` per run (and per Map iteration), so the compiled copy reads the engine's own copy of the execution context instead. */
export const CONTEXT_EXECUTION_KEY = '__Execution';

/** What `$$.Task.Token` evaluates to inside Parameters; the engine swaps in the real token. */
export const TASK_TOKEN_SENTINEL = '__junction_task_token__';

const SUPPORTED_RESOURCES = `a Lambda function ARN, ${LAMBDA_INVOKE} or ${LAMBDA_INVOKE_CALLBACK}`;

export interface LoadOptions {
  name: string;
  type: WorkflowType;
  resolveFunction: FunctionResolver;
  timeScale: number;
}

export function loadDefinition(text: string, options: LoadOptions): LoadedDefinition {
  const fail = (problems: string[]): never => {
    throw new DefinitionError(options.name, problems);
  };
  let definition: Asl;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) return fail(['the definition is not a JSON object']);
    definition = parsed;
  } catch (error) {
    return fail([`the definition is not valid JSON: ${(error as Error).message}`]);
  }

  const invalid = validate(text, definition);
  if (invalid.length) fail(invalid);

  const problems: string[] = [];
  const states = new Map<string, StateMeta>();
  if (definition.QueryLanguage === 'JSONata')
    problems.push('QueryLanguage JSONata is not supported locally; write the flow in JSONPath');
  const compiled = compileMachine(definition, [], false, { ...options, problems, states });
  if (problems.length) fail(problems);

  const timeoutSeconds =
    typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined;
  delete compiled.TimeoutSeconds;
  return {
    text,
    hash: createHash('sha256').update(text).digest('hex').slice(0, 16),
    states,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    // Validated above; the library's own (older) validator would only repeat the work.
    machine: new StateMachine(compiled as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    }),
  };
}

/** asl-validator builds a fresh JSON-schema compiler per call (~250 ms); each text is validated once per process. */
const validated = new Map<string, string[]>();

function validate(text: string, definition: Asl): string[] {
  let problems = validated.get(text);
  if (!problems) {
    // asl-validator writes a default QueryLanguage into every state it sees: give it a copy.
    const result = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
    problems = result.isValid ? [] : result.errorsText('\n').split('\n').filter(Boolean);
    validated.set(text, problems);
  }
  return problems;
}

interface CompileContext extends LoadOptions {
  problems: string[];
  states: Map<string, StateMeta>;
}

function compileMachine(machine: Asl, parents: string[], inMap: boolean, ctx: CompileContext): Asl {
  const compiledStates: Asl = {};
  const source = isObject(machine.States) ? machine.States : {};
  for (const [name, state] of Object.entries(source)) {
    if (!isObject(state)) continue;
    compiledStates[name] = compileState(name, state, parents, inMap, ctx);
  }
  const { QueryLanguage: _language, ...rest } = machine;
  return { ...rest, States: compiledStates };
}

const UNSUPPORTED_FIELDS: Record<string, string> = {
  Assign: 'variables (Assign) are not supported locally',
  Output: 'Output is a JSONata field; use OutputPath/ResultSelector',
  Arguments: 'Arguments is a JSONata field; use Parameters',
  Items: 'Items is a JSONata field; use ItemsPath',
  Credentials: 'cross-account Credentials are not supported locally',
  ItemReader: 'Distributed Map (ItemReader) is not supported locally',
  ItemBatcher: 'Distributed Map (ItemBatcher) is not supported locally',
  ResultWriter: 'Distributed Map (ResultWriter) is not supported locally',
  ToleratedFailurePercentage: 'Distributed Map (ToleratedFailurePercentage) is not supported locally',
  ToleratedFailurePercentagePath: 'Distributed Map (ToleratedFailurePercentagePath) is not supported locally',
  ToleratedFailureCount: 'Distributed Map (ToleratedFailureCount) is not supported locally',
  ToleratedFailureCountPath: 'Distributed Map (ToleratedFailureCountPath) is not supported locally',
};

/**
 * One state → the copy the library runs. Beyond handing Tasks and Waits to the engine, this
 * straightens out library behaviour that differs from AWS:
 *  - `ResultPath: "$"` would be written as a key named "$"; it is the default, so it is dropped.
 *  - a Pass state's falsy `Result` (0, false, "", null) would be ignored; it becomes Parameters.
 *  - type tests with `false` (`IsPresent: false` …) never match; they become `Not` of `true`.
 *  - `$$.Execution.*` reads the engine's context (the library's changes per run), and
 *    `$$.State.Name` becomes the literal name (the library has no `$$.State`).
 *  - Parallel and Map retry intervals are divided by the time scale.
 */
function compileState(name: string, state: Asl, parents: string[], inMap: boolean, ctx: CompileContext): Asl {
  const type = state.Type as StateType;
  const where = `state '${name}'`;
  const meta: StateMeta = { name, type, parents, inMap };
  ctx.states.set(name, meta);

  if (state.QueryLanguage === 'JSONata')
    ctx.problems.push(
      `${where}: QueryLanguage JSONata is not supported locally; write the state in JSONPath`,
    );
  for (const [field, why] of Object.entries(UNSUPPORTED_FIELDS))
    if (field in state) ctx.problems.push(`${where}: ${why}`);

  const usesToken = mentions(state, /\$\$\.Task\.Token/);
  const out = rewritePaths(name, withoutKeys(state, ['QueryLanguage']), ctx) as Asl;
  if (out.ResultPath === '$') delete out.ResultPath;
  if (Array.isArray(out.Catch)) out.Catch = out.Catch.map((catcher) => compileCatcher(catcher, type));

  switch (type) {
    case 'Task': {
      const task = taskMeta(name, state, ctx);
      if (task) meta.task = task;
      if (usesToken && task?.kind !== 'lambda-callback')
        ctx.problems.push(`${where}: $$.Task.Token is only available to ${LAMBDA_INVOKE_CALLBACK} tasks`);
      if (task?.kind === 'lambda-callback' && !usesToken)
        ctx.problems.push(`${where}: waits for a task token but never passes $$.Task.Token to the function`);
      if (task?.kind === 'lambda-callback' && ctx.type === 'EXPRESS')
        ctx.problems.push(`${where}: EXPRESS state machines cannot wait for a task token; make it STANDARD`);
      for (const field of [
        'Retry',
        'TimeoutSeconds',
        'TimeoutSecondsPath',
        'HeartbeatSeconds',
        'HeartbeatSecondsPath',
      ])
        delete out[field];
      // The engine enforces timeouts; the library's default (60 s) must never fire first.
      out.TimeoutSeconds = LIBRARY_TIMEOUT_SECONDS;
      if (task?.dynamicTimeouts) {
        const parameters: Asl =
          'Parameters' in out
            ? { [WRAPPED_PARAMETERS]: out.Parameters }
            : { [`${WRAPPED_PARAMETERS}.$`]: '$' };
        if (typeof state.TimeoutSecondsPath === 'string')
          parameters[`${WRAPPED_TIMEOUT}.$`] = rewrite(state.TimeoutSecondsPath);
        if (typeof state.HeartbeatSecondsPath === 'string')
          parameters[`${WRAPPED_HEARTBEAT}.$`] = rewrite(state.HeartbeatSecondsPath);
        out.Parameters = parameters;
      }
      return out;
    }
    case 'Wait': {
      if (usesToken)
        ctx.problems.push(`${where}: $$.Task.Token is only available to ${LAMBDA_INVOKE_CALLBACK} tasks`);
      // A Wait runs as a Task the engine answers: it sleeps durably, scaled, then passes its input on.
      const parameters: Asl = { [`${WRAPPED_PARAMETERS}.$`]: '$' };
      if (typeof state.Seconds === 'number') parameters[WAIT_SECONDS] = state.Seconds;
      if (typeof state.SecondsPath === 'string') parameters[`${WAIT_SECONDS}.$`] = rewrite(state.SecondsPath);
      if (typeof state.Timestamp === 'string') parameters[WAIT_TIMESTAMP] = state.Timestamp;
      if (typeof state.TimestampPath === 'string')
        parameters[`${WAIT_TIMESTAMP}.$`] = rewrite(state.TimestampPath);
      return {
        ...withoutKeys(out, ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']),
        Type: 'Task',
        Resource: 'arn:aws:states:::junction:wait',
        Parameters: parameters,
        TimeoutSeconds: LIBRARY_TIMEOUT_SECONDS,
      };
    }
    case 'Pass': {
      if (usesToken)
        ctx.problems.push(`${where}: $$.Task.Token is only available to ${LAMBDA_INVOKE_CALLBACK} tasks`);
      if ('Result' in state && !state.Result) {
        const { Result, ...rest } = out;
        return { ...rest, Parameters: Result ?? null };
      }
      return out;
    }
    case 'Choice':
      if (Array.isArray(out.Choices)) out.Choices = out.Choices.map((rule) => compileChoiceRule(rule));
      return out;
    case 'Parallel': {
      if (Array.isArray(out.Retry))
        out.Retry = out.Retry.map((retrier) => scaleRetrier(retrier, ctx.timeScale));
      const branches = Array.isArray(state.Branches) ? state.Branches : [];
      out.Branches = branches.map((branch) =>
        isObject(branch) ? compileMachine(branch, [...parents, name], inMap, ctx) : branch,
      );
      return out;
    }
    case 'Map': {
      if (Array.isArray(out.Retry))
        out.Retry = out.Retry.map((retrier) => scaleRetrier(retrier, ctx.timeScale));
      const processorField = 'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator';
      const processor = state[processorField];
      if (isObject(processor)) {
        const config = processor.ProcessorConfig;
        if (isObject(config) && config.Mode === 'DISTRIBUTED')
          ctx.problems.push(`${where}: Distributed Map is not supported locally; use an inline Map`);
        out[processorField] = compileMachine(
          withoutKeys(processor, ['ProcessorConfig']),
          [...parents, name],
          true,
          ctx,
        );
      }
      if ('InputPath' in state) meta.inputPath = state.InputPath as string | null;
      if (typeof state.ItemsPath === 'string') meta.itemsPath = state.ItemsPath;
      return out;
    }
    case 'Fail':
      meta.failError = 'Error' in state || 'ErrorPath' in state;
      meta.failCause = 'Cause' in state || 'CausePath' in state;
      return out;
    default:
      return out;
  }
}

function taskMeta(name: string, state: Asl, ctx: CompileContext): TaskMeta | undefined {
  const where = `state '${name}'`;
  const resource = String(state.Resource);
  let kind: TaskKind;
  let staticFunction: string | undefined;
  if (isLambdaFunctionArn(resource)) {
    kind = 'lambda-function';
    staticFunction = resource;
  } else if (resource === LAMBDA_INVOKE || resource === LAMBDA_INVOKE_CALLBACK) {
    kind = resource === LAMBDA_INVOKE ? 'lambda-invoke' : 'lambda-callback';
    const parameters = state.Parameters;
    if (!isObject(parameters) || !('FunctionName' in parameters || 'FunctionName.$' in parameters)) {
      ctx.problems.push(`${where}: ${resource} needs Parameters.FunctionName`);
      return undefined;
    }
    if (typeof parameters.FunctionName === 'string') staticFunction = parameters.FunctionName;
  } else {
    ctx.problems.push(
      `${where}: Task resource '${resource}' is not supported by the local Step Functions service (supported: ${SUPPORTED_RESOURCES})`,
    );
    return undefined;
  }
  if (staticFunction !== undefined && !ctx.resolveFunction(normaliseFunctionArn(staticFunction)))
    ctx.problems.push(`${where}: Lambda function '${staticFunction}' is not bound to any handler`);

  const retry = Array.isArray(state.Retry) ? (state.Retry as Retrier[]) : [];
  const meta: TaskMeta = {
    kind,
    resource,
    retry,
    dynamicTimeouts: 'TimeoutSecondsPath' in state || 'HeartbeatSecondsPath' in state,
  };
  if (typeof state.TimeoutSeconds === 'number') meta.timeoutSeconds = state.TimeoutSeconds;
  if (typeof state.HeartbeatSeconds === 'number') meta.heartbeatSeconds = state.HeartbeatSeconds;
  if (
    meta.heartbeatSeconds !== undefined &&
    meta.timeoutSeconds !== undefined &&
    meta.heartbeatSeconds >= meta.timeoutSeconds
  )
    ctx.problems.push(`${where}: HeartbeatSeconds must be smaller than TimeoutSeconds`);
  return meta;
}

function compileCatcher(catcher: unknown, type: StateType): unknown {
  if (!isObject(catcher)) return catcher;
  const out: Asl = { ...catcher };
  if (out.ResultPath === '$') delete out.ResultPath;
  // A missed heartbeat surfaces as States.Timeout (see docs/workflow-engine.md).
  if (type === 'Task' && Array.isArray(out.ErrorEquals))
    out.ErrorEquals = [
      ...new Set(out.ErrorEquals.map((e) => (e === 'States.HeartbeatTimeout' ? 'States.Timeout' : e))),
    ];
  return out;
}

const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

function compileChoiceRule(rule: unknown): unknown {
  if (!isObject(rule)) return rule;
  const out: Asl = { ...rule };
  if (Array.isArray(out.And)) out.And = out.And.map(compileChoiceRule);
  if (Array.isArray(out.Or)) out.Or = out.Or.map(compileChoiceRule);
  if (isObject(out.Not)) out.Not = compileChoiceRule(out.Not);
  for (const test of TYPE_TESTS) {
    if (out[test] === false) {
      const { Next, [test]: _negated, ...condition } = out;
      return { Not: { ...condition, [test]: true }, ...(Next !== undefined ? { Next } : {}) };
    }
  }
  return out;
}

function scaleRetrier(retrier: unknown, timeScale: number): unknown {
  if (!isObject(retrier) || timeScale === 1) return retrier;
  const out: Asl = { ...retrier, IntervalSeconds: (Number(retrier.IntervalSeconds ?? 1) || 1) / timeScale };
  if (typeof retrier.MaxDelaySeconds === 'number') out.MaxDelaySeconds = retrier.MaxDelaySeconds / timeScale;
  return out;
}

const CONTAINERS = new Set(['Branches', 'ItemProcessor', 'Iterator', 'Result']);

/** Rewrites the context paths in every path-valued field of a state (not in nested states or Result). */
function rewritePaths(stateName: string, value: unknown, ctx: CompileContext, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => rewritePaths(stateName, item, ctx));
  if (isObject(value)) {
    const out: Asl = {};
    for (const [k, v] of Object.entries(value)) {
      if (CONTAINERS.has(k) && key === '') {
        out[k] = v;
        continue;
      }
      if (k.endsWith('.$') && v === '$$.State.Name') {
        out[k.slice(0, -2)] = stateName;
        continue;
      }
      out[k] = rewritePaths(stateName, v, ctx, k);
    }
    return out;
  }
  if (typeof value === 'string' && (key.endsWith('.$') || key.endsWith('Path') || key === 'Variable')) {
    if (/\$\$\.State\.(?!Name\b)/.test(value))
      ctx.problems.push(
        `state '${stateName}': only $$.State.Name of the $$.State context is available locally`,
      );
    return rewrite(value.replace(/\$\$\.State\.Name\b/g, `'${stateName.replace(/'/g, "\\'")}'`));
  }
  return value;
}

const rewrite = (path: string) => path.replace(/\$\$\.Execution\b/g, `$$$$.${CONTEXT_EXECUTION_KEY}`);

/** Whether a state's own fields (not its nested states or its Result) contain the pattern. */
function mentions(state: Asl, pattern: RegExp): boolean {
  const search = (value: unknown): boolean => {
    if (typeof value === 'string') return pattern.test(value);
    if (Array.isArray(value)) return value.some(search);
    if (isObject(value)) return Object.values(value).some(search);
    return false;
  };
  return Object.entries(state).some(([key, value]) => !CONTAINERS.has(key) && search(value));
}

function withoutKeys(value: Asl, keys: string[]): Asl {
  const out: Asl = { ...value };
  for (const key of keys) delete out[key];
  return out;
}
