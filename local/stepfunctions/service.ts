/**
 * The Step Functions API operations over the engine: each takes the request body as the AWS SDK
 * sends it and answers the response body AWS would (dates as epoch seconds), or throws an
 * SfnApiError carrying AWS's error name.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { WorkflowType } from '#workflows/registry.ts';
import {
  executionDoesNotExist,
  invalidArn,
  invalidToken,
  notSupportedByType,
  SfnApiError,
  stateMachineDoesNotExist,
  taskTimedOut,
} from './api-errors.ts';
import {
  executionArn,
  expressExecutionArn,
  LOCAL_ROLE_ARN,
  parseStatesArn,
  stateMachineArn,
} from './arns.ts';
import { type LoadedDefinition, loadDefinition } from './definition.ts';
import { Execution, type ExecutionStatus, parseToken } from './execution.ts';
import type { FunctionResolver } from './functions.ts';
import { eventForApi, type HistoryEvent } from './history.ts';
import { byteLength, MAX_PAYLOAD_BYTES, tryParseJson } from './json.ts';
import { type ExecutionStore, type ExecutionWriter, restoreStorage, type StoredExecution } from './store.ts';

export interface StateMachineEntry {
  name: string;
  arn: string;
  type: WorkflowType;
  definition: LoadedDefinition;
  creationDate: number;
}

export interface ServiceOptions {
  stateMachines: readonly StateMachineEntry[];
  store: ExecutionStore;
  writer: ExecutionWriter;
  resolveFunction: FunctionResolver;
  timeScale: number;
  log: (line: string) => void;
}

type Body = Record<string, unknown>;

/** Closed executions kept in memory for fast Describe/GetExecutionHistory; older ones are read from the table. */
const RECENT_CLOSED = 1000;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** What Describe and GetExecutionHistory need, from memory or from the table. */
interface ExecutionView {
  arn: string;
  name: string;
  stateMachineArn: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number | undefined;
  input: string;
  output?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
  traceHeader?: string | undefined;
  events: readonly HistoryEvent[];
}

export class StepFunctionsService {
  private readonly machines = new Map<string, StateMachineEntry>();
  /** Running STANDARD executions, and recently closed ones. */
  private readonly executions = new Map<string, Execution>();
  private readonly recentlyClosed: Execution[] = [];
  private readonly express = new Set<Execution>();
  /** StartExecution calls under way, by execution ARN, so a concurrent duplicate waits for the first. */
  private readonly starting = new Map<string, Promise<unknown>>();
  private readonly definitionsByHash = new Map<string, LoadedDefinition>();
  private closing = false;

  constructor(private readonly options: ServiceOptions) {
    for (const machine of options.stateMachines) {
      this.machines.set(machine.arn, machine);
      this.definitionsByHash.set(`${machine.name}#${machine.definition.hash}`, machine.definition);
    }
  }

  readonly operations: Record<string, (body: Body) => Promise<unknown>> = {
    StartExecution: (body) => this.startExecution(body),
    StartSyncExecution: (body) => this.startSyncExecution(body),
    DescribeExecution: (body) => this.describeExecution(body),
    ListExecutions: (body) => this.listExecutions(body),
    GetExecutionHistory: (body) => this.getExecutionHistory(body),
    StopExecution: (body) => this.stopExecution(body),
    SendTaskSuccess: (body) => this.sendTaskSuccess(body),
    SendTaskFailure: (body) => this.sendTaskFailure(body),
    SendTaskHeartbeat: (body) => this.sendTaskHeartbeat(body),
    ListStateMachines: (body) => this.listStateMachines(body),
    DescribeStateMachine: (body) => this.describeStateMachine(body),
  };

  /** Picks up every STANDARD execution the table says is still running, and replays it. */
  async recover(): Promise<number> {
    let recovered = 0;
    for (const machine of this.machines.values()) {
      if (machine.type !== 'STANDARD') continue;
      for (const arn of await this.options.store.running(machine.arn)) {
        const stored = await this.options.store.load(arn);
        if (stored?.status !== 'RUNNING' || this.executions.has(arn)) continue;
        const definition = await this.definitionFor(machine, stored.definitionHash);
        if (!definition) {
          this.options.log(
            `Cannot resume ${arn}: the definition version it started on (${stored.definitionHash}) is no longer stored.`,
          );
          continue;
        }
        const execution = new Execution({
          arn,
          name: stored.name,
          stateMachine: machine,
          definition,
          input: stored.input,
          startDate: stored.startDate,
          ...(stored.traceHeader !== undefined ? { traceHeader: stored.traceHeader } : {}),
          timeScale: this.options.timeScale,
          resolveFunction: this.options.resolveFunction,
          persistence: this.options.writer,
          log: this.options.log,
          restored: {
            steps: stored.steps,
            events: stored.events,
            ...(stored.timeoutAt !== undefined ? { timeoutAt: stored.timeoutAt } : {}),
          },
        });
        restoreStorage(execution, stored.storage);
        this.track(execution);
        execution.start();
        recovered++;
      }
    }
    return recovered;
  }

  /** An execution resumes on the definition it started with, as on AWS, even if the file changed since. */
  private async definitionFor(
    machine: StateMachineEntry,
    hash: string,
  ): Promise<LoadedDefinition | undefined> {
    const key = `${machine.name}#${hash}`;
    const known = this.definitionsByHash.get(key);
    if (known) return known;
    const text = await this.options.store.getDefinition(machine.name, hash);
    if (text === undefined) return undefined;
    const definition = loadDefinition(text, {
      name: machine.name,
      type: machine.type,
      resolveFunction: this.options.resolveFunction,
      timeScale: this.options.timeScale,
    });
    this.definitionsByHash.set(key, definition);
    return definition;
  }

  /** Stops the engine without changing any execution: the table keeps them RUNNING for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    for (const execution of this.executions.values()) if (execution.status === 'RUNNING') execution.detach();
    for (const execution of this.express) execution.detach();
    await this.options.writer.idle();
  }

  private track(execution: Execution) {
    this.executions.set(execution.arn, execution);
    void execution.done.then(() => {
      this.recentlyClosed.push(execution);
      // Forget the oldest closed executions, but only once the table holds them in full.
      while (this.recentlyClosed.length > RECENT_CLOSED) {
        const oldest = this.recentlyClosed[0] as Execution;
        if (oldest.durableStepVersion < oldest.stepVersion) break;
        this.recentlyClosed.shift();
        this.executions.delete(oldest.arn);
      }
    });
  }

  private newExecution(
    machine: StateMachineEntry,
    arn: string,
    name: string,
    input: string,
    body: Body,
  ): Execution {
    const traceHeader = optionalString(body, 'traceHeader', 256);
    return new Execution({
      arn,
      name,
      stateMachine: machine,
      definition: machine.definition,
      input,
      startDate: Date.now(),
      ...(traceHeader !== undefined ? { traceHeader } : {}),
      timeScale: this.options.timeScale,
      resolveFunction: this.options.resolveFunction,
      ...(machine.type === 'STANDARD' ? { persistence: this.options.writer } : {}),
      log: this.options.log,
    });
  }

  async startExecution(body: Body) {
    if (this.closing) throw new SfnApiError('ValidationException', 'The service is shutting down');
    const machine = this.machineFor(requiredString(body, 'stateMachineArn', 256));
    const givenName = optionalString(body, 'name', 80);
    const name = givenName ?? randomUUID();
    validateName(name);
    const input = executionInput(body);

    if (machine.type === 'EXPRESS') {
      const execution = this.newExecution(
        machine,
        expressExecutionArn(machine.name, name, randomUUID()),
        name,
        input,
        body,
      );
      this.express.add(execution);
      void execution.done.then(() => this.express.delete(execution));
      execution.start();
      return { executionArn: execution.arn, startDate: execution.startDate / 1000 };
    }

    const arn = executionArn(machine.name, name);
    if (givenName !== undefined) {
      // A StartExecution for the same name under way: answer as if it had finished first.
      const underWay = this.starting.get(arn);
      if (underWay) await underWay.catch(() => {});
      const existing = this.executions.get(arn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === input)
          return { executionArn: arn, startDate: existing.startDate / 1000 };
        throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
    }
    const start = (async () => {
      if (givenName !== undefined && (await this.options.store.exists(arn)))
        throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      const execution = this.newExecution(machine, arn, name, input, body);
      this.track(execution);
      // StartExecution answers once the execution is stored: from then on a restart resumes it.
      await execution.flush();
      execution.start();
      return { executionArn: arn, startDate: execution.startDate / 1000 };
    })();
    if (givenName === undefined) return start;
    this.starting.set(arn, start);
    try {
      return await start;
    } finally {
      this.starting.delete(arn);
    }
  }

  async startSyncExecution(body: Body) {
    if (this.closing) throw new SfnApiError('ValidationException', 'The service is shutting down');
    const machine = this.machineFor(requiredString(body, 'stateMachineArn', 256));
    if (machine.type !== 'EXPRESS') throw notSupportedByType();
    const name = optionalString(body, 'name', 80) ?? randomUUID();
    validateName(name);
    const input = executionInput(body);
    const execution = this.newExecution(
      machine,
      expressExecutionArn(machine.name, name, randomUUID()),
      name,
      input,
      body,
    );
    this.express.add(execution);
    execution.start();
    await execution.done;
    this.express.delete(execution);
    const started = execution.startDate;
    const stopped = execution.stopDate ?? Date.now();
    return {
      executionArn: execution.arn,
      stateMachineArn: machine.arn,
      name,
      startDate: started / 1000,
      stopDate: stopped / 1000,
      status: execution.status,
      ...optionalFields({ error: execution.error, cause: execution.cause, output: execution.output }),
      input,
      inputDetails: { included: true },
      ...(execution.output !== undefined ? { outputDetails: { included: true } } : {}),
      ...(execution.traceHeader !== undefined ? { traceHeader: execution.traceHeader } : {}),
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: Math.max(100, Math.ceil((stopped - started) / 100) * 100),
      },
    };
  }

  async describeExecution(body: Body) {
    const view = await this.viewOf(requiredString(body, 'executionArn', 256));
    return {
      executionArn: view.arn,
      stateMachineArn: view.stateMachineArn,
      name: view.name,
      status: view.status,
      startDate: view.startDate / 1000,
      ...(view.stopDate !== undefined ? { stopDate: view.stopDate / 1000 } : {}),
      input: view.input,
      inputDetails: { included: true },
      ...(view.output !== undefined ? { output: view.output, outputDetails: { included: true } } : {}),
      ...optionalFields({ error: view.error, cause: view.cause, traceHeader: view.traceHeader }),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      ...(view.status !== 'RUNNING' && view.status !== 'SUCCEEDED'
        ? { redriveStatusReason: 'Redrive is not supported by the local Step Functions service' }
        : {}),
    };
  }

  async listExecutions(body: Body) {
    if (body.mapRunArn !== undefined)
      throw new SfnApiError('ValidationException', 'Map Runs (Distributed Map) are not supported locally');
    const machine = this.machineFor(requiredString(body, 'stateMachineArn', 256));
    if (machine.type !== 'STANDARD') throw notSupportedByType();
    const statusFilter = optionalString(body, 'statusFilter', 20) as ExecutionStatus | undefined;
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter))
      throw validation(
        `Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
      );
    const limit = maxResults(body);
    const startKey = decodePageToken<Record<string, AttributeValue>>(body.nextToken);
    const page = await this.options.store.list(machine.arn, statusFilter, limit, startKey);
    const executions = page.executions
      .map((summary) => {
        // The engine knows better than the last write for executions it is running.
        const live = this.executions.get(summary.executionArn);
        return live ? { ...summary, status: live.status, stopDate: live.stopDate } : summary;
      })
      .filter((summary) => statusFilter === undefined || summary.status === statusFilter)
      .map((summary) => ({
        executionArn: summary.executionArn,
        stateMachineArn: summary.stateMachineArn,
        name: summary.name,
        status: summary.status,
        startDate: summary.startDate / 1000,
        ...(summary.stopDate !== undefined ? { stopDate: summary.stopDate / 1000 } : {}),
      }));
    return { executions, ...(page.nextKey ? { nextToken: encodePageToken(page.nextKey) } : {}) };
  }

  async getExecutionHistory(body: Body) {
    const view = await this.viewOf(requiredString(body, 'executionArn', 256));
    const limit = maxResults(body);
    const reverse = body.reverseOrder === true;
    const includeData = body.includeExecutionData !== false;
    const offset = decodePageToken<number>(body.nextToken) ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidToken('Invalid pagination token');
    const events = reverse ? [...view.events].reverse() : view.events;
    const page = events.slice(offset, offset + limit);
    const next = offset + limit < events.length ? encodePageToken(offset + limit) : undefined;
    return {
      events: page.map((event) => eventForApi(event, includeData)),
      ...(next ? { nextToken: next } : {}),
    };
  }

  async stopExecution(body: Body) {
    const arn = requiredString(body, 'executionArn', 256);
    this.checkExecutionArn(arn);
    const error = optionalString(body, 'error', 256);
    const cause = optionalString(body, 'cause', 32768);
    const execution = this.executions.get(arn);
    if (execution) {
      if (execution.status === 'RUNNING') {
        execution.stop(error, cause);
        await execution.flush();
      }
      return { stopDate: (execution.stopDate ?? Date.now()) / 1000 };
    }
    const stored = await this.options.store.load(arn);
    if (!stored) throw executionDoesNotExist(arn);
    return { stopDate: (stored.stopDate ?? Date.now()) / 1000 };
  }

  async sendTaskSuccess(body: Body) {
    const token = taskToken(body);
    const outputText = requiredString(body, 'output', MAX_PAYLOAD_BYTES);
    const output = tryParseJson(outputText);
    if (!output) throw new SfnApiError('InvalidOutput', `Invalid Output: '${outputText.slice(0, 200)}'`);
    const { execution, step } = await this.callbackOf(token);
    execution.settleCallback(step, { output: output.value });
    await execution.flush();
    return {};
  }

  async sendTaskFailure(body: Body) {
    const token = taskToken(body);
    const error = optionalString(body, 'error', 256);
    const cause = optionalString(body, 'cause', 32768);
    const { execution, step } = await this.callbackOf(token);
    execution.settleCallback(step, {
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
    await execution.flush();
    return {};
  }

  async sendTaskHeartbeat(body: Body) {
    const { execution, step } = await this.callbackOf(taskToken(body));
    execution.heartbeat(step);
    return {};
  }

  async listStateMachines(body: Body) {
    const limit = maxResults(body);
    const offset = decodePageToken<number>(body.nextToken) ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidToken('Invalid pagination token');
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const page = all.slice(offset, offset + limit);
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: machine.type,
        creationDate: machine.creationDate / 1000,
      })),
      ...(offset + limit < all.length ? { nextToken: encodePageToken(offset + limit) } : {}),
    };
  }

  async describeStateMachine(body: Body) {
    const machine = this.machineFor(requiredString(body, 'stateMachineArn', 256));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition.text,
      roleArn: LOCAL_ROLE_ARN,
      type: machine.type,
      creationDate: machine.creationDate / 1000,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private machineFor(arn: string): StateMachineEntry {
    const parsed = parseStatesArn(arn);
    if (!parsed) throw invalidArn(arn, 'Invalid Arn');
    if (parsed.resourceType !== 'stateMachine' || parsed.parts.length !== 1)
      throw invalidArn(arn, `Resource type not valid in this context: ${parsed.resourceType}`);
    const machine = this.machines.get(arn) ?? this.machines.get(stateMachineArn(parsed.parts[0] as string));
    if (!machine) throw stateMachineDoesNotExist(arn);
    return machine;
  }

  private checkExecutionArn(arn: string) {
    const parsed = parseStatesArn(arn);
    if (!parsed) throw invalidArn(arn, 'Invalid Arn');
    // EXPRESS executions are not kept: Describe, history and Stop do not apply to them, as on AWS.
    if (parsed.resourceType !== 'execution' || parsed.parts.length !== 2)
      throw invalidArn(arn, `Resource type not valid in this context: ${parsed.resourceType}`);
  }

  private async viewOf(arn: string): Promise<ExecutionView> {
    this.checkExecutionArn(arn);
    const live = this.executions.get(arn);
    if (live)
      return {
        arn: live.arn,
        name: live.name,
        stateMachineArn: live.stateMachine.arn,
        status: live.status,
        startDate: live.startDate,
        stopDate: live.stopDate,
        input: live.input,
        output: live.output,
        error: live.error,
        cause: live.cause,
        traceHeader: live.traceHeader,
        events: live.history.events,
      };
    const stored: StoredExecution | undefined = await this.options.store.load(arn);
    if (!stored) throw executionDoesNotExist(arn);
    return { ...stored, arn: stored.executionArn };
  }

  private async callbackOf(token: string) {
    const locator = parseToken(token);
    if (!locator) throw invalidToken();
    const execution = this.executions.get(locator.executionArn);
    if (!execution) {
      if (parseStatesArn(locator.executionArn) && (await this.options.store.exists(locator.executionArn)))
        throw taskTimedOut();
      throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
    }
    const step = execution.findCallback(token);
    if (step) return { execution, step };
    const known = execution.steps.get(locator.stepKey);
    const wasIssued =
      known && (known.token === token || known.attempts.some((attempt) => attempt.token === token));
    throw wasIssued ? taskTimedOut() : invalidToken();
  }
}

function validation(message: string) {
  return new SfnApiError('ValidationException', `1 validation error detected: ${message}`);
}

function requiredString(body: Body, field: string, max: number): string {
  const value = body[field];
  if (value === undefined || value === null)
    throw validation(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string')
    throw new SfnApiError('SerializationException', `'${field}' must be a string`);
  checkLength(field, value, max);
  return value;
}

function optionalString(body: Body, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new SfnApiError('SerializationException', `'${field}' must be a string`);
  checkLength(field, value, max);
  return value;
}

function checkLength(field: string, value: string, max: number) {
  const length = field === 'input' || field === 'output' ? byteLength(value) : value.length;
  if (length > max)
    throw validation(
      `Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
}

function taskToken(body: Body): string {
  const token = requiredString(body, 'taskToken', 2048);
  if (!token)
    throw validation(
      `Value at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  return token;
}

function executionInput(body: Body): string {
  const input = optionalString(body, 'input', MAX_PAYLOAD_BYTES) ?? '{}';
  try {
    JSON.parse(input);
  } catch (error) {
    throw new SfnApiError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${(error as Error).message}'`,
    );
  }
  return input;
}

/** AWS's naming rule for executions: 1–80 characters, none of whitespace, brackets, wildcards or these: " # % \ ^ | ~ ` $ & , ; : / */
function validateName(name: string) {
  if (
    name.length < 1 ||
    name.length > 80 ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what the rule forbids
    /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name)
  )
    throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
}

function maxResults(body: Body): number {
  const value = body.maxResults;
  if (value === undefined || value === null || value === 0) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000)
    throw validation(
      `Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  return value;
}

function encodePageToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodePageToken<T>(token: unknown): T | undefined {
  if (token === undefined || token === null) return undefined;
  if (typeof token !== 'string') throw invalidToken('Invalid pagination token');
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw invalidToken('Invalid pagination token');
  }
}

function optionalFields(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}
