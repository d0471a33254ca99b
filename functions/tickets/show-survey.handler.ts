import { httpHandler } from '../shared/http.ts';
import { surveyPageResult } from './survey-link-http.ts';
import { showSurvey } from './use-cases/survey-link.use-case.ts';
import { surveyDeps } from './wiring.ts';

/** GET and HEAD /surveys/{id}: renders, never writes. */
export const handler = httpHandler(async (request) => {
  const linkId = request.path.id ?? '';
  const shown = await showSurvey(surveyDeps(), linkId, { justAnswered: request.query.done !== undefined });
  return surveyPageResult(shown, linkId, request.event.requestContext.http.method);
});
