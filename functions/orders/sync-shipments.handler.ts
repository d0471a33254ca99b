import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { orderFlowDeps } from './tasks.wiring.ts';
import { syncShipments } from './use-cases/sync-shipments.use-case.ts';

export const handler = taskHandler(OrderFlowInput, (input) => syncShipments(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
