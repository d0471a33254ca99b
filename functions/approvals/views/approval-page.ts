/**
 * The pages an approval link opens. Built for a phone: one column, large buttons, readable
 * without zooming, no script needed. The confirm page changes nothing; its form carries the
 * request's nonce, and only that POST decides.
 */
import { createHash } from 'node:crypto';
import type { ApprovalRequest, RecordedDecision } from '#schemas/approval';
import { formatMoney, Html, html } from '../../shared/html.ts';

export interface QuoteSummary {
  name: string;
  customer: string;
  currency: string;
  total: number;
  net: number;
  discountPercent: number;
  marginPercent?: number;
  lines: { description: string; quantity: number; net: number }[];
  submittedBy: string;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--no:#cf222e;--bg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--bg:#0d1117}}
*{box-sizing:border-box}body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2.5rem}h1{font-size:1.35rem;margin:.2rem 0 .8rem}
.muted{color:var(--muted);font-size:.92rem}.card{border:1px solid var(--line);border-radius:12px;padding:.9rem 1rem;margin:.9rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem .9rem;margin:0}dt{color:var(--muted)}dd{margin:0;font-weight:600;text-align:right}
ul{padding-left:1.1rem;margin:.4rem 0}textarea{width:100%;min-height:5rem;font:inherit;padding:.6rem;border-radius:10px;border:1px solid var(--line);background:transparent;color:inherit}
.buttons{display:grid;grid-template-columns:1fr 1fr;gap:.75rem;margin-top:1rem}
button{font:inherit;font-weight:700;padding:1rem;border-radius:12px;border:0;color:#fff;cursor:pointer;min-height:3.25rem}
.approve{background:var(--ok)}.reject{background:var(--no)}.banner{font-size:1.1rem;font-weight:700}
`;

/**
 * Headers every approval page is sent with. The page runs no script and loads nothing: the CSP
 * allows only its own inline style (by hash) and form posts back to this site; it may not be
 * framed (no clickjacking of the buttons), cached (a shared device's back button shows nothing
 * stale), indexed, or leak the link in a Referer.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, max-age=0',
  pragma: 'no-cache',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': [
    "default-src 'none'",
    `style-src '${`sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`}'`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>${title}</title><style>${new Html(STYLE)}</style></head>
<body><main>${body}</main></body></html>`.value;
}

const decisionText = (d: RecordedDecision) =>
  `${d.decision === 'approve' ? 'Approved' : 'Rejected'} by ${d.approverName}${d.onBehalfOf ? ` on behalf of ${d.onBehalfOf.name}` : ''}`;

export function confirmPage(input: {
  request: ApprovalRequest;
  quote: QuoteSummary;
  why: string[];
  earlier: RecordedDecision[];
  action: string;
}): string {
  const { request, quote } = input;
  const money = (minor: number) => formatMoney(minor, quote.currency);
  return page(
    `Approve ${quote.name}?`,
    html`
<p class="muted">Approval request · step ${request.stepIndex + 1}: ${request.stepName}</p>
<h1>${quote.name} for ${quote.customer}</h1>
<div class="card"><dl>
  <dt>Total</dt><dd>${money(quote.total)}</dd>
  <dt>Net</dt><dd>${money(quote.net)}</dd>
  <dt>Discount</dt><dd>${quote.discountPercent}%</dd>
  ${quote.marginPercent !== undefined ? html`<dt>Margin</dt><dd>${quote.marginPercent}%</dd>` : ''}
  <dt>Submitted by</dt><dd>${quote.submittedBy}</dd>
</dl></div>
<div class="card"><strong>Why you are asked</strong><ul>
  <li>${request.onBehalfOf ? `On behalf of ${request.onBehalfOf.name}: ` : ''}${request.reason}</li>
  ${input.why.map((w) => html`<li>${w}</li>`)}
</ul></div>
<div class="card"><strong>Lines</strong><ul>
  ${quote.lines.map((l) => html`<li>${l.quantity} × ${l.description} — ${money(l.net)}</li>`)}
</ul></div>
${
  input.earlier.length
    ? html`<div class="card"><strong>Earlier decisions</strong><ul>${input.earlier.map(
        (d) => html`<li>${decisionText(d)}${d.comment ? html` — “${d.comment}”` : ''}</li>`,
      )}</ul></div>`
    : ''
}
<form method="post" action="${input.action}">
  <input type="hidden" name="nonce" value="${request.nonce}">
  <label class="muted" for="comment">Comment (optional)</label>
  <textarea id="comment" name="comment" maxlength="2000"></textarea>
  <div class="buttons">
    <button class="approve" type="submit" name="decision" value="approve">Approve</button>
    <button class="reject" type="submit" name="decision" value="reject">Reject</button>
  </div>
</form>
<p class="muted">Valid until ${request.expiresAt.replace('T', ' ').slice(0, 16)} UTC. Nothing is decided until you press a button.</p>`,
  );
}

export type OutcomeKind =
  | 'decided'
  | 'already-decided'
  | 'step-settled'
  | 'expired'
  | 'recalled'
  | 'replaced'
  | 'approver-inactive'
  | 'invalid'
  | 'bad-form'
  | 'error';

export function outcomePage(
  kind: OutcomeKind,
  detail: { title?: string; lines?: string[]; back?: string } = {},
): string {
  const titles: Record<OutcomeKind, string> = {
    decided: 'Thank you — your decision is recorded',
    'already-decided': 'This request was already decided',
    'step-settled': 'No decision needed any more',
    expired: 'This link has expired',
    recalled: 'This quote was recalled',
    replaced: 'This request was passed on',
    'approver-inactive': 'This link no longer works',
    invalid: 'This link is not valid',
    'bad-form': 'Your decision could not be read',
    error: 'Something went wrong',
  };
  return page(
    titles[kind],
    html`<h1 data-outcome="${kind}">${detail.title ?? titles[kind]}</h1>${(detail.lines ?? []).map((line) => html`<p>${line}</p>`)}${
      detail.back ? html`<p><a href="${detail.back}">Back to the request</a></p>` : ''
    }`,
  );
}
