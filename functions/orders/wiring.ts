/**
 * What the order use cases depend on, and its production wiring, read once at cold start:
 *   TABLE_NAME                  the records table
 *   WORKFLOW_ORDER_TO_CASH_ARN  the flow each order runs (connectors/stepfunctions/client.ts)
 *   ERP_URL, ERP_AUTHORIZATION  the ERP the flow's tasks sync with (docs/erp.md); on AWS
 *                               ERP_TOKEN_PARAMETER names the SSM parameter with the token
 *   ORDER_EMAIL_FROM            where invoices are emailed from (the tasks that bill)
 */
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { erpNextGateway } from '#connectors/erp/erpnext-gateway';
import { executionArnOf, workflowArn, workflowArnVariable } from '#connectors/stepfunctions/client';
import { stepFunctionsExecutions } from '#connectors/stepfunctions/executions';
import { loadConfig, TableEnv } from '#platform/config';
import { logger } from '#platform/observability';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { MessageOutbox } from '#store/message-outbox';
import type { RecordLifecycle } from '../records/ports.ts';
import { recordDeps } from '../records/wiring.ts';
import { startWorkflow } from '../shared/workflows.ts';
import { FIRST_POLL_SECONDS } from './domain/polling.ts';
import type { OrderDeps, OrderFlow, OrderFlowDeps } from './ports.ts';

/** The workflows' names in workflows/registry.ts and in WORKFLOW_<NAME>_ARN. */
export const ORDER_TO_CASH = 'order-to-cash';
export const ORDER_CANCELLATION = 'order-cancellation';

let flow: OrderFlow | null | undefined;
/** The order-to-cash workflow, or none where it is not deployed (orders are kept, not synced). */
export function orderFlow(): OrderFlow | undefined {
  if (flow !== undefined) return flow ?? undefined;
  if (!process.env[workflowArnVariable(ORDER_TO_CASH)]) {
    logger.warn(
      `${workflowArnVariable(ORDER_TO_CASH)} is not set: orders are kept but not synced with the ERP`,
    );
    flow = null;
    return undefined;
  }
  const links = new ExecutionLinkStore(documents, loadConfig(TableEnv).TABLE_NAME);
  flow = {
    async start(orderId) {
      try {
        // One execution per order, named by it: a second start is refused, and changes nothing.
        await startWorkflow(links, {
          workflow: ORDER_TO_CASH,
          name: orderId,
          input: { orderId, pollSeconds: FIRST_POLL_SECONDS },
          record: { type: 'order', id: orderId },
        });
      } catch (error) {
        if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      }
    },
    async cancel(orderId, reason) {
      const executions = stepFunctionsExecutions();
      await executions.stop(
        executionArnOf(workflowArn(ORDER_TO_CASH), orderId),
        `Cancelled: ${reason}`.slice(0, 256),
      );
      try {
        await startWorkflow(
          links,
          {
            workflow: ORDER_CANCELLATION,
            name: `${orderId}-cancel`,
            input: { orderId, pollSeconds: FIRST_POLL_SECONDS },
            record: { type: 'order', id: orderId },
          },
          executions,
        );
      } catch (error) {
        if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      }
    },
  };
  return flow;
}

let orders: OrderDeps | undefined;
export function orderDeps(): OrderDeps {
  if (orders) return orders;
  const f = orderFlow();
  orders = { ...recordDeps(), ...(f ? { flow: f } : {}) };
  return orders;
}

/** An order made through the records API starts its flow as a quote's does. */
export const orderLifecycle: RecordLifecycle = {
  prepare: async () => ({}),
  async afterWrite(_deps, record, previous) {
    if (previous) return;
    await orderFlow()
      ?.start(record.id)
      .catch((error: unknown) =>
        logger.error('could not start the order-to-cash flow', { error, orderId: record.id }),
      );
  },
};

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
    ...recordDeps(),
    ...(from
      ? {
          billing: {
            email: new SesEmailSender({ from }),
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
