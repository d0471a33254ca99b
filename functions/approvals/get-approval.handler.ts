import { httpHandler } from '../shared/http.ts';
import { submitDeps } from './approval-deps.ts';
import { getApproval } from './recall-quote.use-case.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await getApproval(submitDeps(), request.path.id ?? ''),
}));
