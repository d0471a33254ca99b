import { documentDeps } from '../admin/wiring.ts';
import { httpHandler } from '../shared/http.ts';
import { simulateApproval } from './use-cases/simulate-approval.use-case.ts';

export const handler = httpHandler(
  async (request) => ({
    status: 200,
    body: await simulateApproval(documentDeps(), request.body, request.principal.userId),
  }),
  { accepts: ['application/json'] },
);
