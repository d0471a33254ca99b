/**
 * What a satisfaction survey link does. The link id (random, 160 bits) is the credential; the
 * table holds only its hash.
 *
 * Opening it (GET, HEAD) reads and renders, nothing more, so mail scanners and link previewers
 * get the same harmless page and cannot answer the survey.
 *
 * Answering (POST from the page) takes these steps:
 *   1. find the link by its hash (unknown → 404);
 *   2. validate the form (400) and compare its nonce with the link's in constant time (403);
 *   3. refuse a link already answered (409) or past its validity (410);
 *   4. in one transaction: the link open → answered (conditional, so racing posts answer once),
 *      the rating on the ticket, its audit entry;
 *   5. send a browser to the thank-you page (303, so a reload does not post again); answer a
 *      program with the rating.
 */
import { timingSafeEqual } from 'node:crypto';
import { metrics } from '#platform/observability';
import { SurveyAnswer } from '#schemas/admin/sla-survey';
import { AlongsideConditionFailedError } from '#store/errors';
import { hashSurveyLink, type SurveyLink, type SurveyStore } from '#store/survey-store';
import type { RecordDeps } from '../../records/ports.ts';
import { fieldErrors } from '../../shared/errors.ts';
import type { ApiResult } from '../../shared/http.ts';
import { HttpProblem } from '../../shared/problem.ts';
import {
  ratingPage,
  SURVEY_PAGE_HEADERS,
  type SurveyOutcome,
  surveyOutcomePage,
} from '../views/survey-page.ts';
import { writeTicket } from './ticket-writes.ts';

export type SurveyDeps = RecordDeps & { surveys: SurveyStore };

/** A form post carries a nonce, a rating and at most 2000 characters of comment. */
export const MAX_SURVEY_FORM_BYTES = 16 * 1024;

const linkPath = (linkId: string) => `/surveys/${linkId}`;
const when = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

const pageResult = (status: number, body: string, method = 'GET'): ApiResult => ({
  status,
  raw: method === 'HEAD' ? '' : body,
  headers: { ...SURVEY_PAGE_HEADERS },
});

interface Refusal {
  status: number;
  kind: SurveyOutcome;
  slug: string;
  title: string;
  lines: string[];
}

/** A browser gets the outcome page; a program gets problem+json with the same words. */
function refuse(refusal: Refusal, wantsHtml: boolean, method: string, back?: string): ApiResult {
  if (!wantsHtml) throw new HttpProblem(refusal.status, refusal.slug, refusal.title, refusal.lines.join(' '));
  return pageResult(refusal.status, surveyOutcomePage(refusal.kind, refusal.lines, back), method);
}

const UNKNOWN: Refusal = {
  status: 404,
  kind: 'invalid',
  slug: 'survey-link-unknown',
  title: 'Link not valid',
  lines: ['This is not one of our survey links. Check that the whole link was copied from the email.'],
};

/** Why a link cannot be answered (any more), if it cannot. */
function closedReason(link: SurveyLink, now: Date): Refusal | undefined {
  if (link.status === 'answered')
    return {
      status: 409,
      kind: 'already-answered',
      slug: 'survey-already-answered',
      title: 'Already answered',
      lines: [
        `You rated “${link.subject}” ${link.rating} out of 5 on ${when(link.answeredAt ?? '')}. Thank you!`,
      ],
    };
  if (Date.parse(link.validUntil) <= now.getTime())
    return {
      status: 410,
      kind: 'expired',
      slug: 'survey-link-expired',
      title: 'Link expired',
      lines: [`The survey for “${link.subject}” could be answered until ${when(link.validUntil)}.`],
    };
  return undefined;
}

/** A link id of the shape we hand out; anything else is unknown without a database call. */
const plausible = (linkId: string) => /^[A-Za-z0-9_-]{20,64}$/.test(linkId);

async function findLink(deps: SurveyDeps, linkId: string): Promise<SurveyLink | undefined> {
  return plausible(linkId) ? deps.surveys.get(hashSurveyLink(linkId)) : undefined;
}

/** GET and HEAD: the rating page, or the page saying why there is nothing to answer. Writes nothing. */
export async function showSurvey(
  deps: SurveyDeps,
  linkId: string,
  options: { method: string; justAnswered: boolean },
): Promise<ApiResult> {
  const link = await findLink(deps, linkId);
  if (!link) return refuse(UNKNOWN, true, options.method);
  if (link.status === 'answered' && options.justAnswered)
    return pageResult(
      200,
      surveyOutcomePage('thanks', [`You rated “${link.subject}” ${link.rating} out of 5.`]),
      options.method,
    );
  const closed = closedReason(link, deps.now());
  if (closed) return refuse(closed, true, options.method);
  return pageResult(
    200,
    ratingPage({
      subject: link.subject,
      nonce: link.nonce,
      action: linkPath(linkId),
      validUntil: link.validUntil,
    }),
    options.method,
  );
}

const sameNonce = (a: string, b: string) => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** POST: records the rating once, on the link and on the ticket together. */
export async function answerSurvey(
  deps: SurveyDeps,
  linkId: string,
  request: { body: unknown; wantsHtml: boolean; ip: string; userAgent: string },
): Promise<ApiResult> {
  const { wantsHtml } = request;
  const link = await findLink(deps, linkId);
  if (!link) return refuse(UNKNOWN, wantsHtml, 'POST');
  const parsed = SurveyAnswer.safeParse(request.body);
  if (!parsed.success) {
    if (!wantsHtml)
      throw new HttpProblem(
        400,
        'invalid-survey-answer',
        'Invalid survey answer',
        'The answer has invalid fields.',
        {
          errors: fieldErrors(parsed.error),
        },
      );
    return pageResult(
      400,
      surveyOutcomePage('bad-form', ['Pick a rating from 1 to 5 and send the form again.'], linkPath(linkId)),
    );
  }
  const answer = parsed.data;
  if (!sameNonce(answer.nonce, link.nonce))
    return refuse(
      {
        status: 403,
        kind: 'bad-form',
        slug: 'survey-nonce-mismatch',
        title: 'Form not valid',
        lines: ['This form does not belong to this survey link. Open the link from the email again.'],
      },
      wantsHtml,
      'POST',
      linkPath(linkId),
    );
  const now = deps.now();
  const closed = closedReason(link, now);
  if (closed) return refuse(closed, wantsHtml, 'POST');

  const at = now.toISOString();
  try {
    await writeTicket(
      deps,
      link.ticketId,
      () => ({
        fields: {
          satisfaction: {
            rating: answer.rating,
            ...(answer.comment ? { comment: answer.comment } : {}),
            ratedAt: at,
          },
        },
        action: 'survey-answer',
        summary: `The customer rated the help ${answer.rating} out of 5`,
        extra: [
          deps.surveys.answerItem(link.hash, {
            nonce: answer.nonce,
            rating: answer.rating,
            at,
            ...(answer.comment ? { comment: answer.comment } : {}),
          }),
        ],
      }),
      {
        actor: { id: link.contactId ?? 'customer', name: 'Customer', kind: 'user' },
        channel: 'web-form',
        context: { ip: request.ip, userAgent: request.userAgent },
      },
    );
  } catch (error) {
    // Another post answered the link first (or it expired meanwhile): say so, as above.
    if (!(error instanceof AlongsideConditionFailedError)) throw error;
    const fresh = await deps.surveys.get(link.hash);
    const reason = fresh ? closedReason(fresh, deps.now()) : undefined;
    if (reason) return refuse(reason, wantsHtml, 'POST');
    throw error;
  }
  metrics.addMetric('SurveyAnswered', 'Count', 1);
  if (wantsHtml) return { status: 303, raw: '', headers: { location: `${linkPath(linkId)}?done=1` } };
  return { status: 200, body: { ticketId: link.ticketId, rating: answer.rating, answeredAt: at } };
}
