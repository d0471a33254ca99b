/**
 * The hub in its own process for the API benchmark, so the load generator does not share its
 * event loop. It counts the DynamoDB calls the handlers make (an SDK middleware on the shared
 * client) and reports them when asked over IPC; production code carries no benchmark hooks.
 */
// As the hub sets it, but before the first import of the X-Ray SDK reads it.
process.env.AWS_XRAY_MANUAL_MODE = 'true';
const { dynamodb } = await import('#store/dynamodb');
const { startHub } = await import('#local/hub');

let calls = 0;
dynamodb.middlewareStack.add(
  (next) => async (args) => {
    calls++;
    return next(args);
  },
  { step: 'initialize', name: 'countCalls' },
);

const hub = await startHub({
  ports: { api: 0, dynamodb: 0, ses: 0, sms: 0 },
  dynamodbEndpoint: process.env.BENCH_DYNAMODB_ENDPOINT as string,
  tables: { records: `bench-${process.pid}`, idempotency: `bench-idem-${process.pid}` },
  ...(process.env.BENCH_TIME_SCALE ? { timeScale: Number(process.env.BENCH_TIME_SCALE) } : {}),
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'usage') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'usage', calls, cpuMs: (user + system) / 1000 });
  }
  if (message.type === 'stop') void hub.stop().then(() => process.exit(0));
});
process.send?.({
  type: 'ready',
  api: hub.urls.api,
  sfn: hub.urls.sfn,
  erp: { url: hub.urls.erp, authorization: hub.erp.authorization },
  keys: hub.keys,
  tables: hub.tables,
});

export {};
