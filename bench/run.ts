/**
 * `npm run bench`: every benchmark in one run, each printing its figures and ratios. Targets are
 * printed beside the figures, never asserted: speed is measured here, not in tests.
 * Pick benchmarks with `npm run bench -- api bundles`.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { cpus } from 'node:os';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { getPort } from '../test/support/ports.ts';
import { apiThroughputBench } from './api-throughput.bench.ts';
import { bundlesBench } from './bundles.bench.ts';
import { executionTimelineBench } from './execution-timeline.bench.ts';
import { leadRoutingBench } from './lead-routing.bench.ts';
import { ordersBench } from './orders.bench.ts';
import { quoteApprovalBench } from './quote-approval.bench.ts';
import { webhooksBench } from './webhooks.bench.ts';
import { workflowThroughputBench } from './workflow-throughput.bench.ts';

const selected = new Set(process.argv.slice(2));
const wants = (name: string) => selected.size === 0 || selected.has(name);

console.log(
  `Junction benchmarks — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`,
);
if (wants('bundles')) console.log(`${await bundlesBench()}\n`);
if (wants('timeline')) console.log(`${await executionTimelineBench()}\n`);

const dynamodb = await startDynamoDbLocal({ port: await getPort() });
try {
  if (wants('api')) console.log(`${await apiThroughputBench(dynamodb.endpoint, dynamodb.pid ?? 0)}\n`);
  if (wants('workflows')) console.log(`${await workflowThroughputBench(dynamodb.endpoint)}\n`);
  if (wants('leads')) console.log(`${await leadRoutingBench(dynamodb.endpoint, dynamodb.pid ?? 0)}\n`);
  if (wants('approvals')) console.log(`${await quoteApprovalBench(dynamodb.endpoint)}\n`);
  if (wants('orders')) console.log(`${await ordersBench(dynamodb.endpoint)}\n`);
  if (wants('webhooks')) console.log(`${await webhooksBench(dynamodb.endpoint)}\n`);
} finally {
  await dynamodb.stop();
}
