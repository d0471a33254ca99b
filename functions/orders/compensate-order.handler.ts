import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { orderFlowDeps } from './tasks.wiring.ts';
import { compensateOrder } from './use-cases/compensate-order.use-case.ts';

export const handler = taskHandler(OrderFlowInput, (input) => compensateOrder(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
