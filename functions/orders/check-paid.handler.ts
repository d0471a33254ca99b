import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { orderFlowDeps } from './tasks.wiring.ts';
import { checkPaid } from './use-cases/check-paid.use-case.ts';

export const handler = taskHandler(OrderFlowInput, (input) => checkPaid(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
