import { RECORD_TYPES } from '../records/domain/record-types.ts';
import { recordResult, sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { cancelOrder } from './use-cases/cancel-order.use-case.ts';
import { orderDeps } from './wiring.ts';

/** POST /v1/orders/{id}/cancel: 200 with the cancelled order, the first time and every time after. */
export const handler = httpHandler(
  async (request) => {
    const { record } = await cancelOrder(orderDeps(), request.path.id ?? '', request.body, sourceOf(request));
    return recordResult(RECORD_TYPES.order, record);
  },
  { accepts: ['application/json'] },
);
