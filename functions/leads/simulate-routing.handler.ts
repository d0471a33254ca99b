import { httpHandler } from '../shared/http.ts';
import { simulateRouting } from './use-cases/simulate-routing.use-case.ts';
import { leadDeps } from './wiring.ts';

export const handler = httpHandler(
  async (request) => ({ status: 200, body: await simulateRouting(leadDeps(), request.body) }),
  { accepts: ['application/json'] },
);
