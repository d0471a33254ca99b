import { httpHandler } from '../shared/http.ts';
import { getApproval } from './use-cases/recall-quote.use-case.ts';
import { submitDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await getApproval(submitDeps(), request.path.id ?? ''),
}));
