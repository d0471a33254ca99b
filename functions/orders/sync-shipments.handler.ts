import { taskHandler } from '../shared/workflow-task.ts';
import { OrderFlowInput } from './flow-input.ts';
import { syncShipments } from './use-cases/sync-shipments.use-case.ts';
import { orderFlowDeps } from './wiring.ts';

export const handler = taskHandler(OrderFlowInput, (input) => syncShipments(orderFlowDeps(), input), {
  correlationId: (input) => input.orderId,
});
