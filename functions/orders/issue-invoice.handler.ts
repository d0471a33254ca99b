import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { documentResult } from './order-http.ts';
import { issueInvoice } from './use-cases/issue-invoice.use-case.ts';
import { orderDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) =>
    documentResult(
      'invoice',
      await issueInvoice(orderDeps(), request.path.id ?? '', request.body, sourceOf(request)),
    ),
  { accepts: ['application/json'], idempotency: idempotency() },
);
