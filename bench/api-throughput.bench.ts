/**
 * API create and get at concurrency 16 on the local hub, beside raw DynamoDB Local calls through
 * the same SDK in the same run. The ratio
 *   (API req/s × DynamoDB calls per request) ÷ raw DynamoDB calls/s
 * says how much of DynamoDB Local's capacity the API turns into useful work (1.0 = the API adds
 * no cost beyond its DynamoDB calls). Target ≥ 0.7.
 *
 * Rounds alternate API and raw phases and the medians are reported, so a noisy moment on a small
 * machine does not decide the ratio. CPU time per request is read for each process (the hub,
 * DynamoDB Local, the load generator) to show where the cost goes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { ask, startHubChild, type Usage } from './support/hub-child.ts';
import { fmt, type LoadResult, processCpuMs, runLoad, selfCpuMs, table } from './support/stats.ts';

const CONCURRENCY = 16;
const REQUESTS = Number(process.env.BENCH_API_REQUESTS ?? 1500);
const ROUNDS = Number(process.env.BENCH_API_ROUNDS ?? 3);

interface Phase {
  result: LoadResult;
  calls: number;
  cpu: { hub: number; dynamodb: number; client: number };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function apiThroughputBench(dynamodbEndpoint: string, dynamodbPid: number): Promise<string> {
  const { child, ready, stop } = await startHubChild(dynamodbEndpoint);
  const key = ready.keys.sales as string;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${ready.api}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, text: await response.text() };
  };
  const raw = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );

  /** Runs one load and reads what it cost: DynamoDB calls made by the hub, CPU of each process. */
  async function phase(task: (i: number) => Promise<boolean>): Promise<Phase> {
    const before = await ask<Usage>(child, 'usage');
    const dynamodbBefore = processCpuMs(dynamodbPid);
    const clientBefore = selfCpuMs();
    const result = await runLoad(REQUESTS, CONCURRENCY, task);
    const after = await ask<Usage>(child, 'usage');
    return {
      result,
      calls: (after.calls - before.calls) / REQUESTS,
      cpu: {
        hub: (after.cpuMs - before.cpuMs) / REQUESTS,
        dynamodb: (processCpuMs(dynamodbPid) - dynamodbBefore) / REQUESTS,
        client: (selfCpuMs() - clientBefore) / REQUESTS,
      },
    };
  }

  // The same item the API writes for an account: same attributes, same index keys.
  const accountItem = (id: string, i: number) => ({
    pk: `account#${id}`,
    sk: 'RECORD',
    entity: 'account',
    gsi1pk: 'account',
    gsi1sk: id,
    id,
    name: `Raw ${i}`,
    tier: 'gold',
    country: 'DE',
    employees: i,
    version: 1,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    createdBy: 'key_bench',
    updatedBy: 'key_bench',
    archived: false,
  });
  const auditItem = (id: string, i: number) => ({
    pk: `account#${id}`,
    sk: `AUDIT#${ulid()}`,
    entity: 'audit',
    action: 'create',
    recordId: id,
    version: 1,
    changes: [{ field: '/name', to: `Raw ${i}` }],
  });

  const apiIds: string[] = [];
  const rawIds: string[] = [];
  const phases: Record<string, () => Promise<Phase>> = {
    'API POST /v1/accounts': () =>
      phase(async (i) => {
        const response = await api('POST', '/v1/accounts', {
          name: `Bench ${i}`,
          tier: 'gold',
          country: 'DE',
          employees: i,
        });
        if (response.status !== 201) return false;
        apiIds.push((JSON.parse(response.text) as { id: string }).id);
        return true;
      }),
    'API GET /v1/accounts/{id}': () =>
      phase(async (i) => (await api('GET', `/v1/accounts/${apiIds[i % apiIds.length]}`)).status === 200),
    'raw PutItem (same item)': () =>
      phase(async (i) => {
        const id = `acc_${ulid()}`;
        rawIds.push(id);
        await raw.send(new PutCommand({ TableName: ready.tables.records, Item: accountItem(id, i) }));
        return true;
      }),
    'raw TransactWriteItems (record + audit)': () =>
      phase(async (i) => {
        const id = `acc_${ulid()}`;
        const condition = { ConditionExpression: 'attribute_not_exists(pk)' };
        await raw.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: ready.tables.records, Item: accountItem(id, i), ...condition } },
              { Put: { TableName: ready.tables.records, Item: auditItem(id, i), ...condition } },
            ],
          }),
        );
        return true;
      }),
    'raw GetItem (consistent)': () =>
      phase(async (i) => {
        const key = { pk: `account#${rawIds[i % rawIds.length]}`, sk: 'RECORD' };
        // Strongly consistent, as the API reads records.
        return (
          (
            await raw.send(
              new GetCommand({ TableName: ready.tables.records, Key: key, ConsistentRead: true }),
            )
          ).Item !== undefined
        );
      }),
  };

  // Warm every handler module, connection and JIT path before measuring.
  for (let i = 0; i < 100; i++) {
    const created = await api('POST', '/v1/accounts', { name: `Warm ${i}`, tier: 'gold', country: 'DE' });
    await api('GET', `/v1/accounts/${(JSON.parse(created.text) as { id: string }).id}`);
  }

  const runs: Record<string, Phase[]> = Object.fromEntries(Object.keys(phases).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(phases)) runs[name]?.push(await run());
  }

  await stop();

  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      {
        perSecond: median(list.map((p) => p.result.perSecond)),
        p50: median(list.map((p) => p.result.p50)),
        p99: median(list.map((p) => p.result.p99)),
        calls: median(list.map((p) => p.calls)),
        errors: list.reduce((n, p) => n + p.result.errors, 0),
        hub: median(list.map((p) => p.cpu.hub)),
        dynamodb: median(list.map((p) => p.cpu.dynamodb)),
        client: median(list.map((p) => p.cpu.client)),
      },
    ]),
  );
  const s = (name: string) => summary[name] as (typeof summary)[string];
  const isApi = (name: string) => name.startsWith('API');
  const rows = Object.keys(phases).map((name) => [
    name,
    fmt(s(name).perSecond, 0),
    fmt(s(name).p50),
    fmt(s(name).p99),
    isApi(name) ? fmt(s(name).calls, 2) : '1',
    isApi(name) ? fmt(s(name).hub, 2) : '-',
    fmt(s(name).dynamodb, 2),
    fmt(s(name).client, 2),
    String(s(name).errors),
  ]);
  const ratio = (apiName: string, rawName: string) =>
    (s(apiName).perSecond * s(apiName).calls) / s(rawName).perSecond;
  const line = (label: string, apiName: string, rawName: string) =>
    `${label}(${fmt(s(apiName).perSecond, 0)} × ${fmt(s(apiName).calls, 2)}) ÷ ${fmt(s(rawName).perSecond, 0)} = ${fmt(ratio(apiName, rawName), 2)}`;
  return [
    `API throughput on the local hub — median of ${ROUNDS} alternating rounds, ${REQUESTS} requests each, concurrency ${CONCURRENCY}`,
    table([
      [
        'operation',
        'req/s',
        'p50 ms',
        'p99 ms',
        'DynamoDB calls/req',
        'CPU ms/req: hub',
        'DynamoDB Local',
        'load generator',
        'errors',
      ],
      ...rows,
    ]),
    `ratio create: ${line('', 'API POST /v1/accounts', 'raw PutItem (same item)')}   (target ≥ 0.7)`,
    `ratio get:    ${line('', 'API GET /v1/accounts/{id}', 'raw GetItem (consistent)')}   (target ≥ 0.7)`,
    `create against the same raw transaction it writes: ${line('', 'API POST /v1/accounts', 'raw TransactWriteItems (record + audit)')}`,
  ].join('\n');
}
