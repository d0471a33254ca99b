import { httpHandler } from '../shared/http.ts';
import { leadDeps } from './lead-deps.ts';
import { simulateRouting } from './simulate-routing.use-case.ts';

export const handler = httpHandler(
  async (request) => ({ status: 200, body: await simulateRouting(leadDeps(), request.body) }),
  { accepts: ['application/json'] },
);
