import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { documentResult } from './order-http.ts';
import { recordPayment } from './use-cases/record-payment.use-case.ts';
import { orderDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) =>
    documentResult(
      'payment',
      await recordPayment(orderDeps(), request.path.id ?? '', request.body, sourceOf(request)),
    ),
  { accepts: ['application/json'], idempotency: idempotency() },
);
