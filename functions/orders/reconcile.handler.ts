import * as z from 'zod';
import { Actor } from '#schemas/audit';
import { taskHandler } from '../shared/workflow-task.ts';
import { reconcileDeps } from './tasks.wiring.ts';
import { failRun, reconcileErp, reconcileOrders } from './use-cases/reconcile.use-case.ts';

/**
 * The order-reconciliation workflow's tasks, one function: `step` says which. A scheduled run
 * carries no run id; its execution's name is the id.
 */
const Input = z.object({
  step: z.enum(['orders', 'erp', 'fail']),
  execution: z.string().min(1),
  state: z.object({
    runId: z.string().min(1).optional(),
    by: Actor.optional(),
    cursor: z.string().optional(),
    erpStart: z.int().min(0).optional(),
    done: z.boolean().optional(),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  }),
});

export const handler = taskHandler(
  Input,
  async ({ step, execution, state }) => {
    const { error, ...rest } = state;
    const run = { ...rest, runId: state.runId ?? execution };
    if (step === 'orders') return reconcileOrders(reconcileDeps(), run);
    if (step === 'erp') return reconcileErp(reconcileDeps(), run);
    return failRun(reconcileDeps(), { ...run, ...(error ? { error } : {}) });
  },
  { correlationId: (input) => input.state.runId ?? input.execution },
);
