/**
 * Wiring of the inbound-webhook functions that receive and administer messages (the processing
 * function adds what messages drive, in ./inbound-apply.wiring.ts). Environment as ./wiring.ts:
 * TABLE_NAME, WEBHOOK_SECRET_PREFIX, INBOUND_QUEUE_URL.
 */
import { SsmSecretStore } from '#connectors/secrets/ssm-secret-store';
import { loadConfig } from '#platform/config';
import { documents } from '#store/dynamodb';
import { InboundWebhookStore } from '#store/inbound-webhooks';
import { documentDeps } from '../admin/wiring.ts';
import type { InboundApply, InboundDeps } from './ports.ts';
import { queueOf, WebhookEnv } from './wiring.ts';

const notApplied: InboundApply = async () => {
  throw new Error('this function receives messages; the inbound queue’s consumer processes them');
};

let deps: InboundDeps | undefined;
export function inboundReceiveDeps(apply: InboundApply = notApplied): InboundDeps {
  if (deps && apply === notApplied) return deps;
  const config = loadConfig(WebhookEnv);
  const built: InboundDeps = {
    ...documentDeps(),
    inbound: new InboundWebhookStore(documents, config.TABLE_NAME),
    secrets: new SsmSecretStore(),
    secretPrefix: config.WEBHOOK_SECRET_PREFIX,
    inboundQueue: queueOf(config.INBOUND_QUEUE_URL, 'INBOUND_QUEUE_URL'),
    apply,
  };
  if (apply === notApplied) deps = built;
  return built;
}

export const inboundAdminDeps = () => inboundReceiveDeps();
