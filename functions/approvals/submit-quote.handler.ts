import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { submitQuote } from './use-cases/submit-quote.use-case.ts';
import { submitDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => {
    const id = request.path.id ?? '';
    const { status, run } = await submitQuote(submitDeps(), id, request.headers['if-match'], {
      principal: request.principal,
      source: sourceOf(request),
    });
    return { status, body: run, headers: { location: `/v1/quotes/${id}/approval` } };
  },
  { idempotency: idempotency() },
);
