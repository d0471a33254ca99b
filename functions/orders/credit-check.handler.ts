import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { orderFlowDeps } from './tasks.wiring.ts';
import { creditCheck } from './use-cases/credit-check.use-case.ts';

export const handler = taskHandler(OrderFlowInput, (input) => creditCheck(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
