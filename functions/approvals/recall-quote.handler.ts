import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { recallQuote } from './use-cases/recall-quote.use-case.ts';
import { submitDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await recallQuote(submitDeps(), request.path.id ?? '', {
    principal: request.principal,
    source: sourceOf(request),
  }),
}));
