/**
 * The local Step Functions service in its own process for the workflow benchmark, so the load
 * generator does not share its event loop. It runs the test fixtures' workflows and functions,
 * counts the DynamoDB calls the service makes (an SDK middleware on its own client) and reports
 * them with its CPU time when asked over IPC.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startStepFunctionsLocal } from '#local/stepfunctions/index';
import { fixtureFunctions } from '../../test/workflow/fixtures/functions/index.ts';
import { FIXTURE_WORKFLOWS } from '../../test/workflow/fixtures/workflows.ts';

const client = new DynamoDBClient({
  endpoint: process.env.BENCH_DYNAMODB_ENDPOINT as string,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
/** DynamoDB requests by operation, and the items written (put or deleted) by those requests. */
const requests: Record<string, number> = {};
let itemsWritten = 0;
client.middlewareStack.add(
  (next, context) => async (args) => {
    const operation = context.commandName ?? 'unknown';
    requests[operation] = (requests[operation] ?? 0) + 1;
    const input = args.input as {
      RequestItems?: Record<string, unknown[]>;
      TransactItems?: unknown[];
      Item?: unknown;
    };
    if (input.RequestItems && operation === 'BatchWriteItemCommand')
      for (const items of Object.values(input.RequestItems)) itemsWritten += items.length;
    else if (input.TransactItems) itemsWritten += input.TransactItems.length;
    else if (input.Item) itemsWritten += 1;
    return next(args);
  },
  { step: 'initialize', name: 'countCalls' },
);

const service = await startStepFunctionsLocal({
  dynamodbClient: client,
  tableName: `bench-sfn-${process.pid}`,
  workflows: FIXTURE_WORKFLOWS,
  resolveFunction: fixtureFunctions(5_000),
  timeScale: 1,
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'usage') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'usage', requests: { ...requests }, itemsWritten, cpuMs: (user + system) / 1000 });
  }
  if (message.type === 'stop') void service.close().then(() => process.exit(0));
});
process.send?.({ type: 'ready', endpoint: service.endpoint, stateMachines: service.stateMachines });
