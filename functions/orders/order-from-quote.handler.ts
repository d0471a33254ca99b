import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { documentResult } from './order-http.ts';
import { orderFromQuote } from './use-cases/order-from-quote.use-case.ts';
import { orderDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) =>
    documentResult('order', await orderFromQuote(orderDeps(), request.path.id ?? '', sourceOf(request))),
  { idempotency: idempotency() },
);
