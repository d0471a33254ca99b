import { RECORD_TYPES } from '../records/domain/record-types.ts';
import { recordResult, sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { holdDunning } from './use-cases/hold-dunning.use-case.ts';
import { orderDeps } from './wiring.ts';

/** POST /v1/invoices/{id}/dunning-hold {hold, reason}: 200 with the invoice. */
export const handler = httpHandler(
  async (request) =>
    recordResult(
      RECORD_TYPES.invoice,
      await holdDunning(orderDeps(), request.path.id ?? '', request.body, sourceOf(request)),
    ),
  { accepts: ['application/json'] },
);
