import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { orderFlowDeps } from './tasks.wiring.ts';
import { syncSalesOrder } from './use-cases/sync-sales-order.use-case.ts';

export const handler = taskHandler(OrderFlowInput, (input) => syncSalesOrder(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
