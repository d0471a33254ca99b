import { httpHandler } from '../shared/http.ts';
import { listEvents } from './use-cases/list-events.use-case.ts';
import { eventDeps } from './wiring.ts';

/** GET /v1/events. */
export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await listEvents(eventDeps(), request.query),
}));
