import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { documentResult } from './order-http.ts';
import { issueCreditNote } from './use-cases/issue-credit-note.use-case.ts';
import { orderDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) =>
    documentResult(
      'invoice',
      await issueCreditNote(orderDeps(), request.path.id ?? '', request.body, sourceOf(request)),
    ),
  { accepts: ['application/json'], idempotency: idempotency() },
);
