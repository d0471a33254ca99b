import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { orderFlowDeps } from './tasks.wiring.ts';
import { askCreditRelease } from './use-cases/credit-hold.use-case.ts';

/** The Credit Hold task (`.waitForTaskToken`): the flow goes on when finance answers. */
const Input = z.object({ state: OrderFlowInput, taskToken: z.string().min(1) });

export const handler = taskHandler(Input, (input) => askCreditRelease(orderFlowDeps(), input), {
  correlationId: (input) => input.state.orderId,
});
