import { documentDeps } from '../admin/wiring.ts';
import { httpHandler } from '../shared/http.ts';
import { simulateSla } from './use-cases/simulate-sla.use-case.ts';

export const handler = httpHandler(
  async (request) => ({ status: 200, body: await simulateSla(documentDeps(), request.body) }),
  { accepts: ['application/json'] },
);
