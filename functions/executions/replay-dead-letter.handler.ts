import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { replayDeadLetter } from './use-cases/dead-letters.use-case.ts';
import { deadLetterDeps } from './wiring.ts';

/** POST /v1/admin/dead-letters/{id}/replay (no body): 200 with the dead letter and its new replay. */
export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await replayDeadLetter(deadLetterDeps(), request.path.id ?? '', sourceOf(request)),
}));
