import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { submitDeps } from './approval-deps.ts';
import { recallQuote } from './recall-quote.use-case.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await recallQuote(submitDeps(), request.path.id ?? '', {
    principal: request.principal,
    source: sourceOf(request),
  }),
}));
