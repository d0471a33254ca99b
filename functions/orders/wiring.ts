/**
 * What the order use cases depend on, and its production wiring, read once at cold start:
 *   TABLE_NAME                  the records table
 *   WORKFLOW_ORDER_TO_CASH_ARN  the flow each order runs (connectors/stepfunctions/client.ts)
 * Also here: the credit holds' task tokens, answered through Step Functions, and reconciliation
 * runs started from the API. The workflow's tasks, which also need the ERP and the email sender,
 * are wired in ./tasks.wiring.ts, so the API handlers (and every record write, which may start an
 * order's flow) do not carry the ERP adapter, SES and SSM.
 */
import { executionArnOf, workflowArn, workflowArnVariable } from '#connectors/stepfunctions/client';
import { stepFunctionsExecutions } from '#connectors/stepfunctions/executions';
import { stepFunctionsCallbacks } from '#connectors/stepfunctions/task-callbacks';
import { loadConfig, TableEnv } from '#platform/config';
import { logger } from '#platform/observability';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { ReconciliationStore } from '#store/reconciliations';
import { TaskTokenStore } from '#store/task-tokens';
import type { RecordLifecycle } from '../records/ports.ts';
import { recordDeps } from '../records/wiring.ts';
import { startWorkflow } from '../shared/workflows.ts';
import { FIRST_POLL_SECONDS } from './domain/polling.ts';
import type { CreditHolds, OrderDeps, OrderFlow, ReconciliationDeps } from './ports.ts';
import { ORDER_RECONCILIATION } from './use-cases/reconciliations.use-case.ts';

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
      // The order's own execution, and any replay of a dead letter of it (`ord_…-r1` …).
      const names = new Set([orderId]);
      const runs = await links.forRecord(
        { type: 'order', id: orderId },
        { workflow: ORDER_TO_CASH, limit: 50 },
      );
      for (const run of runs.items) names.add(run.name);
      for (const name of names)
        await executions.stop(
          executionArnOf(workflowArn(ORDER_TO_CASH), name),
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

let holds: CreditHolds | undefined;
/** Credit holds' task tokens beside the order, answered through Step Functions, with who answered. */
export function creditHolds(): CreditHolds {
  if (holds) return holds;
  const { TABLE_NAME } = loadConfig(TableEnv);
  const tokens = new TaskTokenStore(documents, TABLE_NAME);
  const links = new ExecutionLinkStore(documents, TABLE_NAME);
  const callbacks = stepFunctionsCallbacks<{ released: boolean }>();
  const order = (id: string) => ({ type: 'order', id });
  holds = {
    keep: (orderId, token) => tokens.keep(order(orderId), 'credit-hold', token),
    waiting: (orderId) => tokens.find(order(orderId), 'credit-hold'),
    async answer(token, released, by) {
      await links.recordCallback(token, by);
      return callbacks.succeed(token, { released });
    },
  };
  return holds;
}

let orders: OrderDeps | undefined;
export function orderDeps(): OrderDeps {
  if (orders) return orders;
  const f = orderFlow();
  orders = { ...recordDeps(), holds: creditHolds(), ...(f ? { flow: f } : {}) };
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

let reconciliations: ReconciliationDeps | undefined;
/** Reconciliation runs in the records table; a run started through Step Functions. */
export function reconciliationDeps(): ReconciliationDeps {
  if (reconciliations) return reconciliations;
  const { TABLE_NAME } = loadConfig(TableEnv);
  const links = new ExecutionLinkStore(documents, TABLE_NAME);
  const { newId, now } = recordDeps();
  reconciliations = {
    newId,
    now,
    runs: new ReconciliationStore(documents, TABLE_NAME),
    startRun: (runId, input) => startWorkflow(links, { workflow: ORDER_RECONCILIATION, name: runId, input }),
  };
  return reconciliations;
}
