import { RECORD_TYPES } from '../records/domain/record-types.ts';
import { recordResult, sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { decideCreditHold } from './use-cases/credit-hold.use-case.ts';
import { orderDeps } from './wiring.ts';

/** POST /v1/orders/{id}/credit-decision: 200 with the order, released or refused. */
export const handler = httpHandler(
  async (request) => {
    const { record } = await decideCreditHold(
      orderDeps(),
      request.path.id ?? '',
      request.body,
      sourceOf(request),
    );
    return recordResult(RECORD_TYPES.order, record);
  },
  { accepts: ['application/json'] },
);
