/**
 * Durable state of STANDARD executions in DynamoDB (DynamoDB Local locally), in a table the
 * service creates itself.
 *
 * Item layout (pk, sk):
 *   X#<executionArn>, E        the execution: status, dates and, as one JSON attribute, its
 *                              input/output, step records and the tail of its history. Indexed
 *                              by state machine (newest first) and by state machine + status.
 *   X#<executionArn>, H#nnnn   older history, spilled once the execution item grows large
 *   X#<executionArn>, S#nnnn   finished step records, spilled likewise
 *   X#<executionArn>, IN / OUT an input or output too large to sit beside the rest
 *   D#<stateMachine>, <hash>   each definition version an execution started on
 *
 * Writes are group-committed: every execution changed since the last write is rewritten whole
 * as one item, up to 25 per BatchWriteItem, a few requests in flight. A small execution costs
 * about three writes (start, before its second task, end), whatever its number of events.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  ResourceInUseException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { Execution, ExecutionPersistence, ExecutionStatus } from './execution.ts';
import type { HistoryEvent } from './history.ts';
import { byteLength } from './json.ts';
import type { StepRecord } from './steps.ts';

export const BY_STATE_MACHINE = 'byStateMachine';
export const BY_STATUS = 'byStateMachineStatus';

/** Above this the execution item spills history and finished steps into their own items. */
const SPILL_BYTES = 200_000;
/** Target size of one spilled segment (items may hold 400 KB). */
const SEGMENT_BYTES = 300_000;
/** Lazy writes (history only) wait this long to gather more changes. */
const LAZY_WRITE_MS = 250;
const MAX_JOBS_IN_FLIGHT = 8;
const EXECUTIONS_PER_JOB = 25;

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
}

export interface StoredExecution extends ExecutionSummary {
  stateMachineName: string;
  definitionHash: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  timeoutAt?: number;
  traceHeader?: string;
  steps: StepRecord[];
  events: HistoryEvent[];
}

/** What the execution item's JSON attribute holds. */
interface ExecutionData {
  smName: string;
  hash: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  timeoutAt?: number;
  traceHeader?: string;
  steps: StepRecord[];
  events: HistoryEvent[];
  /** How many events each spilled history segment holds, in order. */
  evSegs: number[];
  stSegs: number;
  inSpill?: boolean;
  outSpill?: boolean;
}

/** Which parts of an execution already live in their own items. */
interface Storage {
  eventSegments: number[];
  stepSegments: number;
  spilledSteps: Set<string>;
  inputSpilled: boolean;
  outputSpilled: boolean;
}

const pkOf = (arn: string) => `X#${arn}`;
const sortKey = (startDate: number, name: string) => `${String(startDate).padStart(15, '0')}#${name}`;
const segment = (prefix: string, n: number) => `${prefix}#${String(n).padStart(4, '0')}`;
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

export class ExecutionStore {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async ensureTable(): Promise<void> {
    const projection = {
      ProjectionType: 'INCLUDE' as const,
      NonKeyAttributes: ['nm', 'st', 'sd', 'sp', 'sm'],
    };
    try {
      await this.client.send(
        new CreateTableCommand({
          TableName: this.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['pk', 'sk', 'g1pk', 'g1sk', 'g2pk', 'g2sk'].map((name) => ({
            AttributeName: name,
            AttributeType: 'S',
          })),
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: BY_STATE_MACHINE,
              KeySchema: [
                { AttributeName: 'g1pk', KeyType: 'HASH' },
                { AttributeName: 'g1sk', KeyType: 'RANGE' },
              ],
              Projection: projection,
            },
            {
              IndexName: BY_STATUS,
              KeySchema: [
                { AttributeName: 'g2pk', KeyType: 'HASH' },
                { AttributeName: 'g2sk', KeyType: 'RANGE' },
              ],
              Projection: projection,
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    for (let i = 0; i < 100; i++) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`table ${this.tableName} did not become ACTIVE`);
  }

  async putDefinition(stateMachine: string, hash: string, text: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk: S(`D#${stateMachine}`), sk: S(hash), d: S(text) },
      }),
    );
  }

  async getDefinition(stateMachine: string, hash: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: S(`D#${stateMachine}`), sk: S(hash) } }),
    );
    return Item?.d?.S;
  }

  /**
   * Whether an execution with this ARN was ever stored. Asked for every named StartExecution, so
   * the questions asked in one turn of the event loop go as one consistent BatchGetItem (up to
   * 100 keys) rather than a GetItem each.
   */
  exists(arn: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const waiting = this.existsAsked.get(arn);
      if (waiting) waiting.push({ resolve, reject });
      else this.existsAsked.set(arn, [{ resolve, reject }]);
      if (this.existsAsked.size === 1) setImmediate(() => this.answerExists());
    });
  }

  private readonly existsAsked = new Map<
    string,
    { resolve: (found: boolean) => void; reject: (error: unknown) => void }[]
  >();

  private answerExists() {
    const asked = [...this.existsAsked];
    this.existsAsked.clear();
    for (let i = 0; i < asked.length; i += 100) {
      const chunk = asked.slice(i, i + 100);
      this.findStored(chunk.map(([arn]) => arn)).then(
        (found) => {
          for (const [arn, waiters] of chunk) for (const w of waiters) w.resolve(found.has(arn));
        },
        (error: unknown) => {
          for (const [, waiters] of chunk) for (const w of waiters) w.reject(error);
        },
      );
    }
  }

  /** Which of these (at most 100) executions are stored, retrying keys DynamoDB leaves unprocessed. */
  private async findStored(arns: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    let keys: Record<string, AttributeValue>[] = arns.map((arn) => ({ pk: S(pkOf(arn)), sk: S('E') }));
    for (let attempt = 0; keys.length; attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** attempt)));
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: { Keys: keys, ProjectionExpression: 'pk', ConsistentRead: true },
          },
        }),
      );
      for (const item of Responses?.[this.tableName] ?? []) found.add((item.pk?.S ?? '').slice(2));
      keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  /** Everything stored about an execution, spilled parts included. */
  async load(arn: string): Promise<(StoredExecution & { storage: Storage }) | undefined> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': S(pkOf(arn)) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const bySk = new Map(items.map((item) => [item.sk?.S ?? '', item]));
    const head = bySk.get('E');
    if (!head) return undefined;
    const data = JSON.parse(head.d?.S ?? '{}') as ExecutionData;
    const blob = (sk: string) => bySk.get(sk)?.d?.S;
    const events: HistoryEvent[] = [];
    data.evSegs.forEach((_, i) => {
      events.push(...(JSON.parse(blob(segment('H', i)) ?? '[]') as HistoryEvent[]));
    });
    events.push(...data.events);
    const steps: StepRecord[] = [];
    for (let i = 0; i < data.stSegs; i++)
      steps.push(...(JSON.parse(blob(segment('S', i)) ?? '[]') as StepRecord[]));
    const spilledSteps = new Set(steps.map((step) => step.key));
    steps.push(...data.steps);
    const summary = summaryOf(head);
    return {
      ...summary,
      stateMachineName: data.smName,
      definitionHash: data.hash,
      input: (data.inSpill ? blob('IN') : data.input) ?? '{}',
      ...optional('output', data.outSpill ? blob('OUT') : data.output),
      ...optional('error', data.error),
      ...optional('cause', data.cause),
      ...optional('timeoutAt', data.timeoutAt),
      ...optional('traceHeader', data.traceHeader),
      steps,
      events,
      storage: {
        eventSegments: data.evSegs,
        stepSegments: data.stSegs,
        spilledSteps,
        inputSpilled: Boolean(data.inSpill),
        outputSpilled: Boolean(data.outSpill),
      },
    };
  }

  /** A state machine's executions, newest first, optionally of one status. */
  async list(
    stateMachineArn: string,
    status: ExecutionStatus | undefined,
    limit: number,
    startKey: Record<string, AttributeValue> | undefined,
  ): Promise<{ executions: ExecutionSummary[]; nextKey?: Record<string, AttributeValue> }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: status ? BY_STATUS : BY_STATE_MACHINE,
        KeyConditionExpression: status ? 'g2pk = :pk' : 'g1pk = :pk',
        ExpressionAttributeValues: { ':pk': S(status ? `${stateMachineArn}#${status}` : stateMachineArn) },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return {
      executions: (page.Items ?? []).map(summaryOf),
      ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}),
    };
  }

  /** Every execution of a state machine still RUNNING in the store. */
  async running(stateMachineArn: string): Promise<string[]> {
    const arns: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.list(stateMachineArn, 'RUNNING', 500, start);
      arns.push(...page.executions.map((execution) => execution.executionArn));
      start = page.nextKey;
    } while (start);
    return arns;
  }

  /** Builds the items that store an execution as it is now; notes what got spilled. */
  snapshot(execution: Execution): { spilled: WriteRequest[]; head: WriteRequest } {
    const storage = storageOf(execution);
    const spilled: WriteRequest[] = [];
    const events = execution.history.events;
    const changedFrom = execution.history.changedFrom;
    execution.history.markPersisted();

    // A replay that wrote a stored event differently rewrites the spilled segments concerned.
    let spilledEvents = 0;
    storage.eventSegments.forEach((count, i) => {
      if (changedFrom < spilledEvents + count)
        spilled.push(
          this.blob(execution.arn, segment('H', i), events.slice(spilledEvents, spilledEvents + count)),
        );
      spilledEvents += count;
    });

    let tail = events.slice(spilledEvents);
    let steps = [...execution.steps.values()].filter((step) => !storage.spilledSteps.has(step.key));
    const build = () => this.head(execution, storage, steps, tail);
    let head = build();
    if (byteLength(head.d?.S ?? '') > SPILL_BYTES) {
      for (const chunk of chunksBySize(tail)) {
        spilled.push(this.blob(execution.arn, segment('H', storage.eventSegments.length), chunk));
        storage.eventSegments.push(chunk.length);
      }
      tail = [];
      const finished = steps.filter((step) => step.done);
      for (const chunk of chunksBySize(finished)) {
        spilled.push(this.blob(execution.arn, segment('S', storage.stepSegments), chunk));
        storage.stepSegments++;
        for (const step of chunk) storage.spilledSteps.add(step.key);
      }
      steps = steps.filter((step) => !step.done);
      head = build();
      if (byteLength(head.d?.S ?? '') > SPILL_BYTES) {
        if (!storage.inputSpilled) {
          spilled.push({
            PutRequest: { Item: { pk: S(pkOf(execution.arn)), sk: S('IN'), d: S(execution.input) } },
          });
          storage.inputSpilled = true;
        }
        if (execution.output !== undefined && !storage.outputSpilled) {
          spilled.push({
            PutRequest: { Item: { pk: S(pkOf(execution.arn)), sk: S('OUT'), d: S(execution.output) } },
          });
          storage.outputSpilled = true;
        }
        head = build();
      }
    }
    return { spilled, head: { PutRequest: { Item: head } } };
  }

  private head(
    execution: Execution,
    storage: Storage,
    steps: StepRecord[],
    events: HistoryEvent[],
  ): Record<string, AttributeValue> {
    const data: ExecutionData = {
      smName: execution.stateMachine.name,
      hash: execution.definition.hash,
      ...(storage.inputSpilled ? { inSpill: true } : { input: execution.input }),
      ...(storage.outputSpilled ? { outSpill: true } : optional('output', execution.output)),
      ...optional('error', execution.error),
      ...optional('cause', execution.cause),
      ...optional('timeoutAt', execution.timeoutAt),
      ...optional('traceHeader', execution.traceHeader),
      steps,
      events,
      evSegs: storage.eventSegments,
      stSegs: storage.stepSegments,
    };
    const sk = sortKey(execution.startDate, execution.name);
    const smArn = execution.stateMachine.arn;
    return {
      pk: S(pkOf(execution.arn)),
      sk: S('E'),
      nm: S(execution.name),
      sm: S(smArn),
      st: S(execution.status),
      sd: N(execution.startDate),
      ...(execution.stopDate !== undefined ? { sp: N(execution.stopDate) } : {}),
      g1pk: S(smArn),
      g1sk: S(sk),
      g2pk: S(`${smArn}#${execution.status}`),
      g2sk: S(sk),
      d: S(JSON.stringify(data)),
    };
  }

  private blob(arn: string, sk: string, value: unknown): WriteRequest {
    return { PutRequest: { Item: { pk: S(pkOf(arn)), sk: S(sk), d: S(JSON.stringify(value)) } } };
  }

  /** Writes requests in BatchWriteItem calls of 25, retrying what DynamoDB leaves unprocessed. */
  async write(requests: WriteRequest[], onRetry: (error: unknown) => void): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** attempt)));
        try {
          const { UnprocessedItems } = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
          );
          pending = UnprocessedItems?.[this.tableName] ?? [];
        } catch (error) {
          onRetry(error);
        }
      }
    }
  }
}

function storageOf(execution: Execution): Storage {
  if (!execution.storage)
    execution.storage = {
      eventSegments: [],
      stepSegments: 0,
      spilledSteps: new Set<string>(),
      inputSpilled: false,
      outputSpilled: false,
    } satisfies Storage;
  return execution.storage as Storage;
}

/** Gives a restored execution the storage bookkeeping its stored record had. */
export function restoreStorage(execution: Execution, storage: Storage): void {
  execution.storage = storage;
  execution.history.markPersisted();
}

function summaryOf(item: Record<string, AttributeValue>): ExecutionSummary {
  const arn = (item.pk?.S ?? '').slice(2);
  return {
    executionArn: arn,
    stateMachineArn: item.sm?.S ?? '',
    name: item.nm?.S ?? '',
    status: (item.st?.S ?? 'RUNNING') as ExecutionStatus,
    startDate: Number(item.sd?.N ?? 0),
    ...(item.sp?.N !== undefined ? { stopDate: Number(item.sp.N) } : {}),
  };
}

function chunksBySize<T>(values: T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const value of values) {
    const bytes = byteLength(JSON.stringify(value));
    if (current.length && size + bytes > SEGMENT_BYTES) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(value);
    size += bytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Group commit: changed executions are gathered and written together. `flush` answers once a
 * write that started after the call has stored the execution; one execution never has two
 * writes in flight, so an older state cannot overwrite a newer one.
 *
 * Only urgent changes (a barrier before a function runs, a settled token, the end) are written
 * at once. A change that only adds history waits LAZY_WRITE_MS, counted per execution, and is
 * usually carried by the execution's next urgent write instead: a busy service writing every
 * dirty execution at each turn would write each one once more per turn it happens to be running.
 */
export class ExecutionWriter implements ExecutionPersistence {
  private readonly dirty = new Set<Execution>();
  /** Dirty executions that must be written at the next turn, not when their lazy wait ends. */
  private readonly urgent = new Set<Execution>();
  /** When each lazily dirty execution first changed since its last write. */
  private readonly dirtySince = new Map<Execution, number>();
  private readonly inFlight = new Set<Execution>();
  private readonly waiters = new Map<Execution, (() => void)[]>();
  private jobs = 0;
  private immediate = false;
  private lazyTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Pick<ExecutionStore, 'snapshot' | 'write'>,
    private readonly log: (line: string) => void,
  ) {}

  changed(execution: Execution, urgent = false): void {
    if (!this.dirty.has(execution)) this.dirtySince.set(execution, Date.now());
    this.dirty.add(execution);
    if (urgent) {
      this.urgent.add(execution);
      this.scheduleNow();
    } else this.armLazyTimer();
  }

  flush(execution: Execution): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiters.get(execution);
      if (list) list.push(resolve);
      else this.waiters.set(execution, [resolve]);
      this.changed(execution, true);
    });
  }

  /** Resolves once nothing is waiting to be written (for shutdown). */
  idle(): Promise<void> {
    if (!this.dirty.size && !this.inFlight.size) return Promise.resolve();
    for (const execution of this.dirty) this.urgent.add(execution);
    this.scheduleNow();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private scheduleNow() {
    if (this.immediate) return;
    this.immediate = true;
    // One turn of the event loop gathers every execution that reached a barrier meanwhile.
    setImmediate(() => {
      this.immediate = false;
      this.drain();
    });
  }

  private armLazyTimer() {
    if (this.lazyTimer || this.dirty.size === this.urgent.size) return;
    // In-flight executions are left out: the end of their write drains again anyway.
    let oldest = Number.POSITIVE_INFINITY;
    for (const [execution, since] of this.dirtySince)
      if (!this.urgent.has(execution) && !this.inFlight.has(execution)) oldest = Math.min(oldest, since);
    if (oldest === Number.POSITIVE_INFINITY) return;
    this.lazyTimer = setTimeout(
      () => {
        this.lazyTimer = undefined;
        this.drain();
      },
      Math.max(0, oldest + LAZY_WRITE_MS - Date.now()),
    );
  }

  /** Due now: urgent, or lazily dirty for LAZY_WRITE_MS. */
  private due(execution: Execution, now: number): boolean {
    return this.urgent.has(execution) || now - (this.dirtySince.get(execution) ?? now) >= LAZY_WRITE_MS;
  }

  private drain() {
    const now = Date.now();
    while (this.jobs < MAX_JOBS_IN_FLIGHT) {
      const batch: Execution[] = [];
      for (const execution of this.dirty) {
        if (this.inFlight.has(execution) || !this.due(execution, now)) continue;
        batch.push(execution);
        if (batch.length === EXECUTIONS_PER_JOB) break;
      }
      if (!batch.length) break;
      this.runJob(batch);
    }
    this.armLazyTimer();
    if (!this.dirty.size && !this.inFlight.size) {
      const waiting = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiting) resolve();
    }
  }

  private runJob(batch: Execution[]) {
    this.jobs++;
    const spilled: WriteRequest[] = [];
    const heads: WriteRequest[] = [];
    const versions: number[] = [];
    const resolvers: (() => void)[] = [];
    for (const execution of batch) {
      this.dirty.delete(execution);
      this.urgent.delete(execution);
      this.dirtySince.delete(execution);
      this.inFlight.add(execution);
      const snapshot = this.store.snapshot(execution);
      spilled.push(...snapshot.spilled);
      heads.push(snapshot.head);
      versions.push(execution.stepVersion);
      resolvers.push(...(this.waiters.get(execution) ?? []));
      this.waiters.delete(execution);
    }
    const onRetry = (error: unknown) => this.log(`writing executions failed, retrying: ${String(error)}`);
    // Spilled parts first: the execution item must never point at a part not yet written.
    void this.store
      .write(spilled, onRetry)
      .then(() => this.store.write(heads, onRetry))
      .then(() => {
        batch.forEach((execution, i) => {
          execution.durableStepVersion = Math.max(execution.durableStepVersion, versions[i] ?? 0);
          this.inFlight.delete(execution);
        });
        for (const resolve of resolvers) resolve();
      })
      .finally(() => {
        this.jobs--;
        this.drain();
      });
  }
}
