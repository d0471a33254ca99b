import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { discardDeadLetter } from './use-cases/dead-letters.use-case.ts';
import { deadLetterDeps } from './wiring.ts';

/** POST /v1/admin/dead-letters/{id}/discard {reason}: 200 with the dead letter, discarded. */
export const handler = httpHandler(
  async (request) => ({
    status: 200,
    body: await discardDeadLetter(deadLetterDeps(), request.path.id ?? '', request.body, sourceOf(request)),
  }),
  { accepts: ['application/json'] },
);
