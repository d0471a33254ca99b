/**
 * The order-to-cash tasks' wiring, read once at cold start:
 *   TABLE_NAME                  the records table
 *   ERP_URL, ERP_AUTHORIZATION  the ERP the tasks sync with (docs/erp.md); on AWS
 *                               ERP_TOKEN_PARAMETER names the SSM parameter with the token instead
 *   ORDER_EMAIL_FROM            where invoices, payment reminders and credit holds are emailed from
 * Apart from ./wiring.ts so that what only the tasks need stays out of the API's bundles.
 */
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { erpNextGateway } from '#connectors/erp/erpnext-gateway';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { loadConfig, TableEnv } from '#platform/config';
import { logger } from '#platform/observability';
import { documents } from '#store/dynamodb';
import { MessageOutbox } from '#store/message-outbox';
import { ReconciliationStore } from '#store/reconciliations';
import { documentDeps } from '../admin/wiring.ts';
import type { OrderFlowDeps } from './ports.ts';
import type { ReconcileDeps } from './use-cases/reconcile.use-case.ts';
import { creditHolds } from './wiring.ts';

const ErpEnv = TableEnv.extend({
  ERP_URL: z.url({ error: 'ERP_URL must be the base URL of the ERP' }),
  /** The local ERP's token, set by the hub; on AWS the token is read from SSM instead. */
  ERP_AUTHORIZATION: z.string().min(1).optional(),
  ERP_TOKEN_PARAMETER: z.string().min(1).optional(),
  /** Where invoices are emailed from; without it invoices are kept, not emailed. */
  ORDER_EMAIL_FROM: z.email().optional(),
  /** How long the circuit stays open after the ERP failed repeatedly; the hub scales it with workflow time. */
  ERP_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(1).optional(),
}).refine((env) => env.ERP_AUTHORIZATION || env.ERP_TOKEN_PARAMETER, {
  error: 'ERP_TOKEN_PARAMETER must name the SSM SecureString parameter holding the ERP token',
  path: ['ERP_TOKEN_PARAMETER'],
});

/** The ERP token from SSM Parameter Store, decrypted, read once per cold start. */
async function tokenFromSsm(name: string): Promise<string> {
  const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
  const { Parameter } = await new SSMClient({}).send(
    new GetParameterCommand({ Name: name, WithDecryption: true }),
  );
  if (!Parameter?.Value) throw new Error(`SSM parameter ${name} has no value`);
  return Parameter.Value;
}

let tasks: OrderFlowDeps | undefined;
export function orderFlowDeps(): OrderFlowDeps {
  if (tasks) return tasks;
  const config = loadConfig(ErpEnv);
  const parameter = config.ERP_TOKEN_PARAMETER;
  const from = config.ORDER_EMAIL_FROM;
  if (!from) logger.warn('ORDER_EMAIL_FROM is not set: invoices are kept but not emailed');
  tasks = {
    // The records, and the dunning policies' versions.
    ...documentDeps(),
    holds: creditHolds(),
    ...(from
      ? {
          billing: {
            email: new SesEmailSender({ from }),
            sms: new SnsSmsSender(),
            outbox: new MessageOutbox(documents, config.TABLE_NAME),
            seller: from,
          },
        }
      : {}),
    erp: erpNextGateway({
      baseUrl: config.ERP_URL,
      ...(config.ERP_BREAKER_COOLDOWN_MS ? { breakerCooldownMs: config.ERP_BREAKER_COOLDOWN_MS } : {}),
      authorization: config.ERP_AUTHORIZATION ?? (() => tokenFromSsm(parameter as string)),
    }),
  };
  return tasks;
}

let reconcile: ReconcileDeps | undefined;
/** The reconciliation workflow's tasks: the flow's wiring, and where runs are written. */
export function reconcileDeps(): ReconcileDeps {
  reconcile ??= {
    ...orderFlowDeps(),
    runs: new ReconciliationStore(documents, loadConfig(TableEnv).TABLE_NAME),
  };
  return reconcile;
}
