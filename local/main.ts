/**
 * `npm start`: starts the local hub on 127.0.0.1 and prints every URL and a dev API key per
 * role. Ctrl-C stops everything it started. Ports can be moved with JUNCTION_*_PORT variables.
 */
// The pinned AWS SDK warns on every start that later releases will need Node 22; that is known
// and tracked, and the warning would bury the URLs printed below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { resolve } from 'node:path';
import { type Hub, startHub } from './hub.ts';
import { REPO_ROOT } from './lambda.ts';
import { PortInUseError } from './ports.ts';

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number (0–65535), not "${raw}".`);
    process.exit(2);
  }
  return value;
};

const log = (line: string) => console.log(`[hub] ${line}`);

async function main() {
  const dataDir = resolve(REPO_ROOT, process.env.JUNCTION_DATA_DIR ?? '.data');
  console.log('Starting Junction locally…');
  let hub: Hub;
  try {
    hub = await startHub({
      ports: {
        api: port('JUNCTION_API_PORT', 3000),
        dynamodb: port('JUNCTION_DYNAMODB_PORT', 8000),
        ses: port('JUNCTION_SES_PORT', 8005),
        sms: port('JUNCTION_SMS_PORT', 8006),
        sfn: port('JUNCTION_SFN_PORT', 8083),
        erp: port('JUNCTION_ERP_PORT', 8010),
        sqs: port('JUNCTION_SQS_PORT', 8011),
        ssm: port('JUNCTION_SSM_PORT', 8012),
      },
      dataDir,
      seed: true,
      log,
      accessLog: process.env.JUNCTION_ACCESS_LOG !== 'false',
      throttlePublicRoutes: true,
      // JUNCTION_CONSUMERS=off serves the API without consuming the stream and queues (stored
      // webhooks wait, and are processed once the consumers run again).
      events: process.env.JUNCTION_CONSUMERS !== 'off',
    });
  } catch (error) {
    if (error instanceof PortInUseError) console.error(`\n${error.message}\n`);
    else console.error(`\nJunction could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }

  const { urls, keys } = hub;
  const width = Math.max(...Object.keys(keys).map((r) => r.length));
  console.log(`
Junction is running.${hub.seeded ? ' A demo organisation was created.' : ''} Data: ${dataDir}

  API            ${urls.api}/v1
  OpenAPI        ${urls.openapi}
  Email inbox    ${urls.inbox}            (SES v2 endpoint ${urls.ses})
  SMS outbox     ${urls.smsOutbox}            (SNS endpoint ${urls.sns}; JSON at ${urls.sns}/messages)
  Step Functions ${urls.sfn}            (${hub.stateMachines.length} workflows${hub.timeScale === 1 ? '' : `, time ×${hub.timeScale}`})
  DynamoDB       ${urls.dynamodb}
  ERP            ${urls.erp}/            (ERPNext-shaped API; ship orders and inject faults there)
  SQS            ${urls.sqs}            (events, webhook deliveries and inbound webhooks, each with a dead-letter queue)
  SSM            ${urls.ssm}            (Parameter Store: webhook signing secrets)
  Webhooks       ${urls.api}/v1/webhooks/endpoints   (events at ${urls.api}/v1/events)

Dev API keys (send as the x-api-key header):
${Object.entries(keys)
  .map(([role, key]) => `  ${role.padEnd(width)}  ${key}`)
  .join('\n')}

Try:  curl -H 'x-api-key: ${keys.sales}' ${urls.api}/v1/accounts
Press Ctrl-C to stop.
`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Junction…`);
    await hub.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
