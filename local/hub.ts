/**
 * The local hub: everything Junction needs on one machine, started and stopped together.
 *   DynamoDB Local (data under the data directory), the SES v2 stand-in with its web inbox, the
 *   SMS stand-in with its outbox, the Step Functions service running the workflows in
 *   `workflows/` (durably, in the same DynamoDB Local), and the HTTP API serving the same handler
 *   modules Lambda runs, and the local ERP (./erp/) speaking the ERPNext-shaped contract of
 *   docs/erp.md; the SQS stand-in with Junction's queues, a local SSM Parameter Store for the
 *   webhook secrets, and what event source mappings do on AWS: the table's stream and the queues
 *   feeding their functions, and the webhook sweeper's timer (./event-sources.ts).
 * It sets the `AWS_ENDPOINT_URL_*` variables the AWS SDK reads, so handlers never learn where
 * they run. Handler modules load once per process, so one process runs one hub.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import sesModule from 'aws-ses-v2-local';
import { workflowArnVariable } from '#connectors/stepfunctions/client';
import { STREAM_CONSUMER, SWEEPER } from '#functions/queues';
import { ROUTES, throttleOf } from '#functions/routes';
import { WEBHOOK_SECRET_PREFIX } from '#functions/webhooks/ports';
import { ROLES, type Role } from '#schemas/common';
import { ApiKeyStore } from '#store/api-key-store';
import { KEY } from '#store/table-design';
import { type DynamoDbLocal, startDynamoDbLocal, stopLeftoverDynamoDb } from './dynamodb-local.ts';
import { type LocalErp, startLocalErp } from './erp/erp-server.ts';
import { startQueuePollers, startStreamPoller, startTimer } from './event-sources.ts';
import { startHttpApi } from './http-api.ts';
import { invoke, LOCAL_REGION } from './lambda.ts';
import { assertPortFree } from './ports.ts';
import { inboundSmsEvent } from './sms-events.ts';
import { startSmsStandIn } from './sns-local.ts';
import { type SqsStandIn, startSqsStandIn } from './sqs-local.ts';
import { startSsmStandIn } from './ssm-local.ts';
import type { StepFunctionsLocalOptions } from './stepfunctions/index.ts';
import { timeScaleFrom } from './stepfunctions/timers.ts';
import { ensureTables, streamArnOf } from './tables.ts';

export interface HubOptions {
  host?: string;
  /** 0 picks a free port. */
  ports: {
    api: number;
    dynamodb: number;
    ses: number;
    sms: number;
    sfn?: number;
    erp?: number;
    sqs?: number;
    ssm?: number;
  };
  /** Where DynamoDB Local, dev keys and the SMS outbox keep their files; omit to keep all in memory. */
  dataDir?: string;
  /** Use this DynamoDB (Local) endpoint instead of starting one. */
  dynamodbEndpoint?: string;
  tables?: { records: string; idempotency: string; executions?: string };
  /** How much faster workflow time (Wait states, task timeouts) passes; default JUNCTION_TIME_SCALE or 1. */
  timeScale?: number;
  /** Write the demo organisation into a new, empty table. */
  seed?: boolean;
  log?: (line: string) => void;
  /** Log every API request (method, route template, status, time). */
  accessLog?: boolean;
  /**
   * Apply each public route's own throttle (functions/routes.ts), as the AWS stage does. On for
   * `npm start`; off by default so tests that open one link many times measure behaviour, not the
   * limit (the throttle has a test of its own).
   */
  throttlePublicRoutes?: boolean;
  /** Workflows for the Step Functions service, and how it finds their functions (tests add their own). */
  workflows?: StepFunctionsLocalOptions['workflows'];
  resolveFunction?: StepFunctionsLocalOptions['resolveFunction'];
  /**
   * Run the consumers: the table's stream into events, the queues into their functions, the
   * webhook sweeper. On by default; tests that do not look at events leave them off to save the
   * machine the polling.
   */
  events?: boolean;
  /**
   * Private addresses outbound webhooks may reach anyway (the SSRF guard's exceptions): `loopback`
   * (the default: a developer's own receivers), or exact `host:port` origins (a test's receiver).
   */
  webhookAllowPrivate?: readonly string[];
}

export interface Hub {
  urls: {
    api: string;
    openapi: string;
    inbox: string;
    ses: string;
    smsOutbox: string;
    sns: string;
    sfn: string;
    dynamodb: string;
    erp: string;
    sqs: string;
    ssm: string;
  };
  /** The local queues and their dead-letter queues, for tests that look inside. */
  queues: SqsStandIn['queues'];
  /** The local ERP, for tests that play its part (ship, inject faults). */
  erp: LocalErp;
  tables: { records: string; idempotency: string; executions: string };
  /** The workflows the local Step Functions service runs, with their ARNs. */
  stateMachines: { name: string; arn: string; type: string }[];
  timeScale: number;
  keys: Record<Role, string>;
  seeded: boolean;
  stop(): Promise<void>;
}

// The package is CommonJS with an ES-style default export; loaded from ESM it arrives wrapped.
const sesLocal = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;

export const DEFAULT_TABLES = {
  records: 'junction-records',
  idempotency: 'junction-idempotency',
  executions: 'junction-executions',
} as const;

export async function startHub(options: HubOptions): Promise<Hub> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const tables = {
    ...(options.tables ?? DEFAULT_TABLES),
    executions:
      options.tables?.executions ??
      (options.tables ? `${options.tables.records}-executions` : DEFAULT_TABLES.executions),
  };
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse())
      await fn().catch((error: unknown) => log(`while stopping: ${String(error)}`));
    stops.length = 0;
  };

  if (options.dataDir && !options.dynamodbEndpoint) await stopLeftoverDynamoDb(options.dataDir, log);
  await assertPortFree(options.ports.api, 'HTTP API', 'JUNCTION_API_PORT', host);
  if (!options.dynamodbEndpoint)
    await assertPortFree(options.ports.dynamodb, 'DynamoDB Local', 'JUNCTION_DYNAMODB_PORT', host);
  await assertPortFree(options.ports.ses, 'SES stand-in', 'JUNCTION_SES_PORT', host);
  await assertPortFree(options.ports.sms, 'SMS stand-in', 'JUNCTION_SMS_PORT', host);
  await assertPortFree(options.ports.sfn ?? 0, 'Step Functions service', 'JUNCTION_SFN_PORT', host);
  await assertPortFree(options.ports.erp ?? 0, 'local ERP', 'JUNCTION_ERP_PORT', host);
  await assertPortFree(options.ports.sqs ?? 0, 'SQS stand-in', 'JUNCTION_SQS_PORT', host);
  await assertPortFree(options.ports.ssm ?? 0, 'SSM stand-in', 'JUNCTION_SSM_PORT', host);

  try {
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const dynamodb: DynamoDbLocal = await startDynamoDbLocal({
        port: options.ports.dynamodb || (await freePort(host)),
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        log,
      });
      stops.push(() => dynamodb.stop());
      dynamodbEndpoint = dynamodb.endpoint;
    }

    const ses: Server = await sesLocal({ host, port: options.ports.ses });
    stops.push(() => closeServer(ses));
    const sesUrl = `http://${host}:${(ses.address() as AddressInfo).port}`;

    const sms = await startSmsStandIn({
      host,
      port: options.ports.sms,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    stops.push(() => sms.close());

    const erp = await startLocalErp({
      host,
      port: options.ports.erp ?? 0,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    stops.push(() => erp.close());

    const sqs = await startSqsStandIn({
      host,
      port: options.ports.sqs ?? 0,
      timeScale: options.timeScale ?? timeScaleFrom(process.env.JUNCTION_TIME_SCALE),
    });
    stops.push(() => sqs.close());
    const ssm = await startSsmStandIn({
      host,
      port: options.ports.ssm ?? 0,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    stops.push(() => ssm.close());

    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SESV2: sesUrl,
      AWS_ENDPOINT_URL_SNS: sms.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      ...Object.fromEntries(Object.values(sqs.queues).map((q) => [q.design.urlVariable, q.url])),
      // Webhooks: secrets in the local SSM, as in SSM on AWS; plain http and the exceptions to the
      // SSRF guard are for the local hub only.
      WEBHOOK_SECRET_PREFIX,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: (options.webhookAllowPrivate ?? ['loopback']).join(','),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The ERP connector's endpoint and, for the local stand-in only, its token in the clear;
      // on AWS the token belongs in SSM Parameter Store, never in the environment (docs/erp.md).
      ERP_URL: erp.url,
      ERP_AUTHORIZATION: erp.authorization,
      TABLE_NAME: tables.records,
      IDEMPOTENCY_TABLE_NAME: tables.idempotency,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      // Tracing is off locally; manual mode stops the X-Ray SDK from tracking every promise
      // through an async hook to propagate a context nobody reads.
      AWS_XRAY_MANUAL_MODE: 'true',
    });
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

    const client = new DynamoDBClient({ endpoint: dynamodbEndpoint });
    stops.push(async () => client.destroy());
    const created = await ensureTables(client, tables);

    let seeded = false;
    let staff: Partial<Record<Role, string>> = {};
    if (created && options.seed) {
      // Loaded only now: the use case's store reads the environment set above.
      const { seedDemoOrganisation } = await import('./seed.ts');
      const { recordWriteDeps } = await import('#functions/records/lifecycles.wiring');
      const summary = await seedDemoOrganisation(recordWriteDeps());
      log(
        `Seeded a demo organisation: ${summary.users} users, ${summary.queues} queues, ${summary.products} products.`,
      );
      seeded = true;
      staff = summary.staff;
    }

    const keyStore = new ApiKeyStore(DynamoDBDocumentClient.from(client), tables.records);
    const keys = await devKeys(
      keyStore,
      options.dataDir ? join(options.dataDir, 'dev-keys.json') : undefined,
      staff,
    );

    // After the environment above is set: task states run handler modules in this process.
    const { startStepFunctionsLocal } = await import('./stepfunctions/index.ts');
    const sfn = await startStepFunctionsLocal({
      host,
      port: options.ports.sfn ?? 0,
      dynamodbClient: client,
      tableName: tables.executions,
      ...(options.timeScale ? { timeScale: options.timeScale } : {}),
      ...(options.workflows ? { workflows: options.workflows } : {}),
      ...(options.resolveFunction ? { resolveFunction: options.resolveFunction } : {}),
      log,
    });
    stops.push(() => sfn.close());
    process.env.AWS_ENDPOINT_URL_SFN = sfn.endpoint;
    for (const machine of sfn.stateMachines) process.env[workflowArnVariable(machine.name)] = machine.arn;
    if (sfn.timeScale !== 1) log(`Workflow time runs ${sfn.timeScale}× faster than the clock.`);
    // The ERP adapter's circuit pauses calls for 30 s after repeated failures; the workflow's
    // retries of a down ERP run on workflow time, so the pause does too.
    process.env.ERP_BREAKER_COOLDOWN_MS = String(Math.max(1, Math.round(30_000 / sfn.timeScale)));
    // Webhook retry delays and the endpoints' failure clock run on the same time.
    process.env.WEBHOOK_TIME_SCALE = String(sfn.timeScale);

    const api = await startHttpApi({
      host,
      port: options.ports.api,
      routes: ROUTES.map((route) => {
        const throttle = options.throttlePublicRoutes ? throttleOf(route) : undefined;
        return {
          method: route.method,
          path: route.path,
          handler: route.handler,
          authorized: route.access !== 'public',
          ...(throttle ? { throttle } : {}),
        };
      }),
      defaultHandler: 'api/not-found',
      authorizer: 'auth/authorizer',
      log: options.accessLog ? log : (line) => line.startsWith('handler failed') && log(line),
    });
    stops.push(() => api.close());
    // Ticket SLA messages and survey links likewise; read by the ticket functions at first use.
    process.env.TICKET_LINK_BASE_URL = process.env.JUNCTION_PUBLIC_URL ?? api.url;
    process.env.TICKET_EMAIL_FROM ??= 'support@junction.example.com';
    // Approval emails and texts link to this API, unless JUNCTION_PUBLIC_URL says how a phone
    // reaches it (a LAN address or a tunnel). Read by the flow at its first invocation, after this.
    process.env.APPROVAL_LINK_BASE_URL = process.env.JUNCTION_PUBLIC_URL ?? api.url;
    process.env.APPROVAL_EMAIL_FROM ??= 'approvals@junction.example.com';
    // Lead notifications to their owners; read by the lead-routing tasks at first use.
    process.env.LEAD_EMAIL_FROM ??= 'leads@junction.example.com';
    // Invoices to customers; read by the order-to-cash tasks at first use.
    process.env.ORDER_EMAIL_FROM ??= 'billing@junction.example.com';
    // Notices to webhook endpoint owners (deliveries exhausted, an endpoint disabled).
    process.env.WEBHOOK_EMAIL_FROM ??= 'webhooks@junction.example.com';

    // Replies from phones reach the inbound-SMS function as SNS events, as on AWS. A failure is
    // logged, not answered to the phone: on AWS, SNS would retry the invocation.
    sms.onInbound(async (reply) => {
      await invoke('approvals/inbound-sms', inboundSmsEvent(reply), 30_000).catch((error: unknown) =>
        log(`inbound SMS handler failed: ${(error as Error).stack ?? String(error)}`),
      );
    });

    if (options.events ?? true) {
      const pollers = startQueuePollers(sqs.client, Object.values(sqs.queues), log);
      stops.push(() => pollers.stop());
      const stream = startStreamPoller({
        endpoint: dynamodbEndpoint,
        streamArn: await streamArnOf(client, tables.records),
        handler: STREAM_CONSUMER.handler,
        filter: { ...STREAM_CONSUMER.filter, sortKey: KEY.sk },
        batchSize: STREAM_CONSUMER.batchSize,
        timeoutMs: STREAM_CONSUMER.timeoutSeconds * 1000,
        ...(options.dataDir
          ? { checkpointFile: join(options.dataDir, `stream-checkpoint-${tables.records}.json`) }
          : {}),
        log,
      });
      stops.push(() => stream.stop());
      const sweeper = startTimer(SWEEPER.handler, 1_000, SWEEPER.timeoutSeconds * 1000, log);
      stops.push(() => sweeper.stop());
    }

    return {
      urls: {
        api: api.url,
        openapi: `${api.url}/openapi.json`,
        inbox: `${sesUrl}/`,
        ses: sesUrl,
        smsOutbox: sms.outboxUrl,
        sns: sms.endpoint,
        sfn: sfn.endpoint,
        dynamodb: dynamodbEndpoint,
        erp: erp.url,
        sqs: sqs.endpoint,
        ssm: ssm.endpoint,
      },
      queues: sqs.queues,
      erp,
      tables,
      stateMachines: sfn.stateMachines,
      timeScale: sfn.timeScale,
      keys,
      seeded,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One API key per role for local development, each acting as a demo staff member of that role
 * when the demo organisation was seeded. With a data directory they are kept (in plain text, for
 * local use only) so every start prints the same keys.
 */
async function devKeys(
  store: ApiKeyStore,
  file: string | undefined,
  staff: Partial<Record<Role, string>>,
): Promise<Record<Role, string>> {
  const saved: Partial<Record<Role, string>> =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<Role, string>>) : {};
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    const existing = saved[role];
    if (existing && (await store.find(existing))?.role === role) keys[role] = existing;
    else {
      const userId = staff[role];
      keys[role] = (await store.issue(`Local ${role} key`, role, userId ? { userId } : {})).key;
    }
  }
  if (file) writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function freePort(host: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
