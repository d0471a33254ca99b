/**
 * Executions per second of a five-state machine with two Lambda tasks
 * (test/workflow/fixtures/five-states.asl.json: Pass → Task → Choice → Task → Succeed) through
 * the local Step Functions service, with durability on: every execution, its history and its
 * end are written to DynamoDB Local before the service reports them. Target ≥ 300 executions/s.
 *
 * Executions are started through @aws-sdk/client-sfn at a fixed concurrency, as a caller would;
 * the run ends when the service lists none RUNNING. Throughput is executions ÷ (first start →
 * last finish); latency (start → finish) and state transitions are read from the histories of a
 * sample, as the service recorded them. Medians over rounds, so one noisy moment on a small
 * machine does not decide the figure.
 */
import { type ChildProcess, fork } from 'node:child_process';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { REPO_ROOT } from '#local/lambda';
import { fmt, percentile, table } from './support/stats.ts';

const EXECUTIONS = Number(process.env.BENCH_SFN_EXECUTIONS ?? 1500);
const ROUNDS = Number(process.env.BENCH_SFN_ROUNDS ?? 3);
const CONCURRENCY = 32;
const SAMPLE = 200;
const TARGET = 300;

interface Ready {
  endpoint: string;
  stateMachines: { name: string; arn: string }[];
}
interface Usage {
  /** DynamoDB requests by SDK command name. */
  requests: Record<string, number>;
  itemsWritten: number;
  cpuMs: number;
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type: string }) => {
      if (message.type === type) {
        child.off('message', listener);
        resolve(message as T);
      }
    };
    child.on('message', listener);
    if (type !== 'ready') child.send({ type });
  });
}

interface Round {
  perSecond: number;
  p50: number;
  p99: number;
  transitions: number;
  /** Per execution: items written, BatchWriteItem requests, read requests (the name check). */
  itemsWritten: number;
  writeRequests: number;
  reads: number;
  serviceCpuMs: number;
  failed: number;
}

async function round(
  client: SFNClient,
  child: ChildProcess,
  stateMachineArn: string,
  tag: string,
): Promise<Round> {
  const before = await ask<Usage>(child, 'usage');
  const arns: string[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < EXECUTIONS; i = next++) {
        const started = await client
          .send(
            new StartExecutionCommand({
              stateMachineArn,
              name: `${tag}-${i}`,
              input: JSON.stringify({ a: i }),
            }),
          )
          .catch(() => undefined);
        if (started?.executionArn) arns.push(started.executionArn);
        else failed++;
      }
    }),
  );
  for (;;) {
    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }),
    );
    if (!running.executions?.length) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = await ask<Usage>(child, 'usage');

  // Queries are left out: they are this benchmark's own ListExecutions polling, not the executions' cost.
  const delta = (operation: string) => (after.requests[operation] ?? 0) - (before.requests[operation] ?? 0);
  const latencies: number[] = [];
  const transitions: number[] = [];
  for (const executionArn of arns.slice(0, SAMPLE)) {
    const { events = [] } = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
    );
    const start = events.find((e) => e.type === 'ExecutionStarted')?.timestamp;
    const end = events.find((e) => e.type === 'ExecutionSucceeded')?.timestamp;
    if (!start || !end) failed++;
    else latencies.push(end.getTime() - start.getTime());
    transitions.push(events.filter((e) => e.type?.endsWith('StateEntered')).length);
  }
  latencies.sort((a, b) => a - b);
  return {
    perSecond: arns.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    transitions: transitions.reduce((a, b) => a + b, 0) / Math.max(1, transitions.length),
    itemsWritten: (after.itemsWritten - before.itemsWritten) / Math.max(1, arns.length),
    writeRequests: delta('BatchWriteItemCommand') / Math.max(1, arns.length),
    reads: (delta('GetItemCommand') + delta('BatchGetItemCommand')) / Math.max(1, arns.length),
    serviceCpuMs: (after.cpuMs - before.cpuMs) / Math.max(1, arns.length),
    failed,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function workflowThroughputBench(dynamodbEndpoint: string): Promise<string> {
  const child = fork(`${REPO_ROOT}/bench/support/sfn-process.ts`, [], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    env: { ...process.env, BENCH_DYNAMODB_ENDPOINT: dynamodbEndpoint, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await ask<Ready>(child, 'ready');
    const arn = ready.stateMachines.find((m) => m.name === 'five-states')?.arn;
    if (!arn) throw new Error('the five-states fixture workflow is not loaded');
    const client = new SFNClient({
      endpoint: ready.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await round(client, child, arn, 'warm-up'); // JIT, connection pools, the table's first pages
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round(client, child, arn, `round-${r}`));
    client.destroy();
    const m = (pick: (x: Round) => number) => median(rounds.map(pick));
    const perSecond = m((x) => x.perSecond);
    return [
      `Workflow executions through the local Step Functions service — five states, two Lambda tasks, durable in DynamoDB Local; median of ${ROUNDS} rounds of ${EXECUTIONS} executions, ${CONCURRENCY} concurrent starts`,
      table([
        [
          'executions/s',
          'p50 ms',
          'p99 ms',
          'state transitions/execution',
          'DynamoDB items written/execution',
          'BatchWriteItem/execution',
          'read requests/execution',
          'service CPU ms/execution',
          'failed',
        ],
        [
          fmt(perSecond, 0),
          fmt(m((x) => x.p50)),
          fmt(m((x) => x.p99)),
          fmt(m((x) => x.transitions)),
          fmt(
            m((x) => x.itemsWritten),
            2,
          ),
          fmt(
            m((x) => x.writeRequests),
            3,
          ),
          fmt(
            m((x) => x.reads),
            2,
          ),
          fmt(
            m((x) => x.serviceCpuMs),
            2,
          ),
          String(rounds.reduce((a, x) => a + x.failed, 0)),
        ],
      ]),
      `ratio to target: ${fmt(perSecond, 0)} ÷ ${TARGET} = ${fmt(perSecond / TARGET, 2)}   (target ≥ ${TARGET} executions/s)`,
    ].join('\n');
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
