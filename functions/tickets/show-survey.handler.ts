import { httpHandler } from '../shared/http.ts';
import { showSurvey } from './use-cases/survey-link.use-case.ts';
import { surveyDeps } from './wiring.ts';

/** GET and HEAD /surveys/{id}: renders, never writes. */
export const handler = httpHandler(async (request) =>
  showSurvey(surveyDeps(), request.path.id ?? '', {
    method: request.event.requestContext.http.method,
    justAnswered: request.query.done !== undefined,
  }),
);
