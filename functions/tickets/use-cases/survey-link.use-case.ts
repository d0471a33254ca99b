/**
 * What a satisfaction survey link does. The link id (random, 160 bits) is the credential; the
 * table holds only its hash.
 *
 * Opening it (GET, HEAD) reads and renders, nothing more, so mail scanners and link previewers
 * get the same harmless page and cannot answer the survey.
 *
 * Answering (POST from the page) takes these steps:
 *   1. find the link by its hash (unknown);
 *   2. validate the form and compare its nonce with the link's in constant time;
 *   3. refuse a link already answered or past its validity;
 *   4. in one transaction: the link open → answered (conditional, so racing posts answer once),
 *      the rating on the ticket, its audit entry;
 *   5. return the rating.
 *
 * Both return what happened, in the customer's words; survey-link-http.ts chooses the page or
 * the problem and its status.
 */
import { timingSafeEqual } from 'node:crypto';
import { metrics } from '#platform/observability';
import { SurveyAnswer } from '#schemas/admin/sla-survey';
import { AlongsideConditionFailedError } from '#store/errors';
import { hashSurveyLink, type SurveyLink } from '#store/survey-store';
import { fieldErrors } from '../../shared/errors.ts';
import type { SurveyDeps } from '../ports.ts';
import { writeTicket } from './ticket-writes.ts';

const when = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

/** Why a link records nothing. */
export type SurveyRefusalReason = 'unknown' | 'bad-form' | 'nonce-mismatch' | 'already-answered' | 'expired';

export interface SurveyRefused {
  kind: 'refused';
  reason: SurveyRefusalReason;
  /** What the customer reads, one sentence a line. */
  lines: string[];
  /** Facts a program reads (the form's field errors). */
  details?: Record<string, unknown>;
}

/** What opening a survey link shows. */
export type SurveyPage =
  | { kind: 'rate'; subject: string; nonce: string; validUntil: string }
  | { kind: 'just-answered'; lines: string[] }
  | SurveyRefused;

/** What posting a survey's form did. */
export type SurveyAnswered =
  | { kind: 'answered'; ticketId: string; rating: number; answeredAt: string }
  | SurveyRefused;

const UNKNOWN: SurveyRefused = {
  kind: 'refused',
  reason: 'unknown',
  lines: ['This is not one of our survey links. Check that the whole link was copied from the email.'],
};

/** Why a link cannot be answered (any more), if it cannot. */
function closedReason(link: SurveyLink, now: Date): SurveyRefused | undefined {
  if (link.status === 'answered')
    return {
      kind: 'refused',
      reason: 'already-answered',
      lines: [
        `You rated “${link.subject}” ${link.rating} out of 5 on ${when(link.answeredAt ?? '')}. Thank you!`,
      ],
    };
  if (Date.parse(link.validUntil) <= now.getTime())
    return {
      kind: 'refused',
      reason: 'expired',
      lines: [`The survey for “${link.subject}” could be answered until ${when(link.validUntil)}.`],
    };
  return undefined;
}

/** A link id of the shape we hand out; anything else is unknown without a database call. */
const plausible = (linkId: string) => /^[A-Za-z0-9_-]{20,64}$/.test(linkId);

async function findLink(deps: SurveyDeps, linkId: string): Promise<SurveyLink | undefined> {
  return plausible(linkId) ? deps.surveys.get(hashSurveyLink(linkId)) : undefined;
}

/** GET and HEAD: what to rate, or why there is nothing to answer. Writes nothing. */
export async function showSurvey(
  deps: SurveyDeps,
  linkId: string,
  options: { justAnswered: boolean },
): Promise<SurveyPage> {
  const link = await findLink(deps, linkId);
  if (!link) return UNKNOWN;
  if (link.status === 'answered' && options.justAnswered)
    return { kind: 'just-answered', lines: [`You rated “${link.subject}” ${link.rating} out of 5.`] };
  const closed = closedReason(link, deps.now());
  if (closed) return closed;
  return { kind: 'rate', subject: link.subject, nonce: link.nonce, validUntil: link.validUntil };
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
  request: { body: unknown; ip: string; userAgent: string },
): Promise<SurveyAnswered> {
  const link = await findLink(deps, linkId);
  if (!link) return UNKNOWN;
  const parsed = SurveyAnswer.safeParse(request.body);
  if (!parsed.success)
    return {
      kind: 'refused',
      reason: 'bad-form',
      lines: ['Pick a rating from 1 to 5 and send the form again.'],
      details: { errors: fieldErrors(parsed.error) },
    };
  const answer = parsed.data;
  if (!sameNonce(answer.nonce, link.nonce))
    return {
      kind: 'refused',
      reason: 'nonce-mismatch',
      lines: ['This form does not belong to this survey link. Open the link from the email again.'],
    };
  const now = deps.now();
  const closed = closedReason(link, now);
  if (closed) return closed;

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
    if (reason) return reason;
    throw error;
  }
  metrics.addMetric('SurveyAnswered', 'Count', 1);
  return { kind: 'answered', ticketId: link.ticketId, rating: answer.rating, answeredAt: at };
}
