import { FORM_TYPE, httpHandler } from '../shared/http.ts';
import { wantsHtml } from '../shared/public-page.ts';
import { MAX_SURVEY_FORM_BYTES, surveyAnswerResult } from './survey-link-http.ts';
import { answerSurvey } from './use-cases/survey-link.use-case.ts';
import { surveyDeps } from './wiring.ts';

/** POST /surveys/{id}: the survey page's form records the rating, once. */
export const handler = httpHandler(
  async (request) => {
    const linkId = request.path.id ?? '';
    const answered = await answerSurvey(surveyDeps(), linkId, {
      body: request.body,
      ip: request.client.ip,
      userAgent: request.client.userAgent,
    });
    return surveyAnswerResult(answered, linkId, wantsHtml(request.headers));
  },
  { accepts: [FORM_TYPE, 'application/json'], maxBodyBytes: MAX_SURVEY_FORM_BYTES },
);
