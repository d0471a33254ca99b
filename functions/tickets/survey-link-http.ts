/**
 * The edge of a survey link: what a use case returns becomes a page for a browser, or JSON and
 * problem+json for a program, with the status each outcome is answered with.
 */
import type { ApiResult } from '../shared/http.ts';
import { pageResult, type RefusalTable, refusalOf, refusalResult, seeOther } from '../shared/public-page.ts';
import type {
  SurveyAnswered,
  SurveyPage,
  SurveyRefusalReason,
  SurveyRefused,
} from './use-cases/survey-link.use-case.ts';
import { ratingPage, type SurveyOutcome, surveyPages } from './views/survey-page.ts';

/** A form post carries a nonce, a rating and at most 2000 characters of comment. */
export const MAX_SURVEY_FORM_BYTES = 16 * 1024;

const linkPath = (linkId: string) => `/surveys/${linkId}`;

const REFUSALS: RefusalTable<SurveyRefusalReason, SurveyOutcome> = {
  unknown: { status: 404, slug: 'survey-link-unknown', title: 'Link not valid', page: 'invalid' },
  'bad-form': {
    status: 400,
    slug: 'invalid-survey-answer',
    title: 'Invalid survey answer',
    page: 'bad-form',
    detail: 'The answer has invalid fields.',
    back: true,
  },
  'nonce-mismatch': {
    status: 403,
    slug: 'survey-nonce-mismatch',
    title: 'Form not valid',
    page: 'bad-form',
    back: true,
  },
  'already-answered': {
    status: 409,
    slug: 'survey-already-answered',
    title: 'Already answered',
    page: 'already-answered',
  },
  expired: { status: 410, slug: 'survey-link-expired', title: 'Link expired', page: 'expired' },
};

const refusal = (refused: SurveyRefused, linkId: string) =>
  refusalOf(REFUSALS, refused, { href: linkPath(linkId), label: 'Back to the survey' });

/** GET and HEAD: always a page. */
export function surveyPageResult(shown: SurveyPage, linkId: string, method: string): ApiResult {
  switch (shown.kind) {
    case 'rate':
      return pageResult(surveyPages, 200, ratingPage({ ...shown, action: linkPath(linkId) }), method);
    case 'just-answered':
      return pageResult(
        surveyPages,
        200,
        surveyPages.outcome({ kind: 'thanks', lines: shown.lines }),
        method,
      );
    case 'refused':
      return refusalResult(surveyPages, refusal(shown, linkId), true, method);
  }
}

/** POST: a browser goes on to the thank-you page (303, so a reload does not post again); a program gets the rating. */
export function surveyAnswerResult(answered: SurveyAnswered, linkId: string, asPage: boolean): ApiResult {
  if (answered.kind === 'refused')
    return refusalResult(surveyPages, refusal(answered, linkId), asPage, 'POST');
  if (asPage) return seeOther(surveyPages, `${linkPath(linkId)}?done=1`);
  const { kind: _kind, ...rating } = answered;
  return { status: 200, body: rating };
}
