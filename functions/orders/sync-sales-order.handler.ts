import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { syncSalesOrder } from './use-cases/sync-sales-order.use-case.ts';
import { orderFlowDeps } from './wiring.ts';

export const handler = taskHandler(OrderFlowInput, (input) => syncSalesOrder(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
