/**
 * The edge of an approval link: what a use case returns becomes a page for a browser, or JSON and
 * problem+json for a program, with the status each outcome is answered with.
 */
import type { ApiResult } from '../shared/http.ts';
import { pageResult, type RefusalTable, refusalOf, refusalResult, seeOther } from '../shared/public-page.ts';
import type { LinkDecision, LinkPage, RefusalReason, Refused } from './use-cases/approval-link.use-case.ts';
import { approvalPages, confirmPage, type OutcomeKind } from './views/approval-page.ts';

/** A form post carries a nonce, a decision and at most 2000 characters of comment. */
export const MAX_FORM_BYTES = 32 * 1024;

const linkPath = (linkId: string) => `/approvals/${linkId}`;

const REFUSALS: RefusalTable<RefusalReason, OutcomeKind> = {
  unknown: { status: 404, slug: 'approval-link-unknown', title: 'Link not valid', page: 'invalid' },
  'nonce-mismatch': {
    status: 403,
    slug: 'approval-nonce-mismatch',
    title: 'This form does not belong to this link',
    page: 'invalid',
    // The mismatch page says what happened in its heading; the others keep their kind's.
    titleOnPage: true,
  },
  'bad-form': { status: 400, slug: 'bad-decision-form', title: 'Bad form', page: 'bad-form', back: true },
  'already-decided': {
    status: 409,
    slug: 'approval-already-decided',
    title: 'Already decided',
    page: 'already-decided',
  },
  expired: { status: 410, slug: 'approval-link-expired', title: 'Link expired', page: 'expired' },
  recalled: { status: 410, slug: 'approval-recalled', title: 'Quote recalled', page: 'recalled' },
  replaced: { status: 410, slug: 'approval-request-replaced', title: 'Request passed on', page: 'replaced' },
  'approver-inactive': {
    status: 410,
    slug: 'approver-inactive',
    title: 'Approver inactive',
    page: 'approver-inactive',
  },
  'step-settled': {
    status: 410,
    slug: 'approval-step-settled',
    title: 'No decision needed',
    page: 'step-settled',
  },
};

const refusal = (refused: Refused, linkId: string) =>
  refusalOf(REFUSALS, refused, { href: linkPath(linkId), label: 'Back to the request' });

/** GET and HEAD: always a page. */
export function linkPageResult(shown: LinkPage, linkId: string, method: string): ApiResult {
  switch (shown.kind) {
    case 'confirm':
      return pageResult(approvalPages, 200, confirmPage({ ...shown, action: linkPath(linkId) }), method);
    case 'just-decided':
      return pageResult(
        approvalPages,
        200,
        approvalPages.outcome({ kind: 'decided', lines: shown.lines }),
        method,
      );
    case 'refused':
      return refusalResult(approvalPages, refusal(shown, linkId), true, method);
  }
}

/** POST: a browser goes on to the outcome page (303, so a reload does not post again); a program gets the receipt. */
export function linkDecisionResult(decided: LinkDecision, linkId: string, asPage: boolean): ApiResult {
  if (decided.kind === 'refused')
    return refusalResult(approvalPages, refusal(decided, linkId), asPage, 'POST');
  if (asPage) return seeOther(approvalPages, `${linkPath(linkId)}?done=1`);
  return { status: 200, body: decided.receipt };
}
