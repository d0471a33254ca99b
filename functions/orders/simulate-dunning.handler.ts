import { documentDeps } from '../admin/wiring.ts';
import { httpHandler } from '../shared/http.ts';
import { simulateDunning } from './use-cases/simulate-dunning.use-case.ts';

/** POST /v1/admin/dunning-policies/simulate: what an invoice would be sent, when. */
export const handler = httpHandler(
  async (request) => ({ status: 200, body: await simulateDunning(documentDeps(), request.body) }),
  {
    accepts: ['application/json'],
  },
);
