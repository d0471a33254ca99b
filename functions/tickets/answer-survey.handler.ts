import { FORM_TYPE, httpHandler } from '../shared/http.ts';
import { answerSurvey, MAX_SURVEY_FORM_BYTES } from './use-cases/survey-link.use-case.ts';
import { surveyDeps } from './wiring.ts';

/** A form post comes from a browser, which is answered with pages; JSON callers get JSON. */
const wantsHtml = (headers: Record<string, string>) =>
  headers['content-type']?.toLowerCase().startsWith(FORM_TYPE) === true ||
  (headers.accept ?? '').toLowerCase().includes('text/html');

/** POST /surveys/{id}: the survey page's form records the rating, once. */
export const handler = httpHandler(
  async (request) =>
    answerSurvey(surveyDeps(), request.path.id ?? '', {
      body: request.body,
      wantsHtml: wantsHtml(request.headers),
      ip: request.client.ip,
      userAgent: request.client.userAgent,
    }),
  { accepts: [FORM_TYPE, 'application/json'], maxBodyBytes: MAX_SURVEY_FORM_BYTES },
);
