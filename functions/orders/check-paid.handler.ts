import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { checkPaid } from './use-cases/check-paid.use-case.ts';
import { orderFlowDeps } from './wiring.ts';

export const handler = taskHandler(OrderFlowInput, (input) => checkPaid(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
