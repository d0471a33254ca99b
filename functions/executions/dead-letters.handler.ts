import { httpHandler } from '../shared/http.ts';
import { getDeadLetter, listDeadLetters } from './use-cases/dead-letters.use-case.ts';
import { deadLetterDeps } from './wiring.ts';

/** GET /v1/admin/dead-letters and GET /v1/admin/dead-letters/{id}. */
export const handler = httpHandler(async (request) => ({
  status: 200,
  body: request.path.id
    ? await getDeadLetter(deadLetterDeps(), request.path.id)
    : await listDeadLetters(deadLetterDeps(), request.query),
}));
