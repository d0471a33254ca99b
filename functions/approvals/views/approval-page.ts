/**
 * The pages an approval link opens, in the public page shell (functions/shared/public-page.ts).
 * The confirm page changes nothing; its form carries the request's nonce, and only that POST
 * decides.
 */
import type { ApprovalRequest, RecordedDecision } from '#schemas/approval';
import { formatMoney, html } from '../../shared/html.ts';
import { publicPages } from '../../shared/public-page.ts';

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
.card{border:1px solid var(--line);border-radius:12px;padding:.9rem 1rem;margin:.9rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem .9rem;margin:0}dt{color:var(--muted)}dd{margin:0;font-weight:600;text-align:right}
ul{padding-left:1.1rem;margin:.4rem 0}
.buttons{display:grid;grid-template-columns:1fr 1fr;gap:.75rem;margin-top:1rem}
button{min-height:3.25rem}.approve{background:var(--ok)}.reject{background:var(--no)}
`;

export type OutcomeKind =
  | 'decided'
  | 'already-decided'
  | 'step-settled'
  | 'expired'
  | 'recalled'
  | 'replaced'
  | 'approver-inactive'
  | 'invalid'
  | 'bad-form';

export const approvalPages = publicPages<OutcomeKind>(STYLE, {
  decided: 'Thank you — your decision is recorded',
  'already-decided': 'This request was already decided',
  'step-settled': 'No decision needed any more',
  expired: 'This link has expired',
  recalled: 'This quote was recalled',
  replaced: 'This request was passed on',
  'approver-inactive': 'This link no longer works',
  invalid: 'This link is not valid',
  'bad-form': 'Your decision could not be read',
});

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
  return approvalPages.page(
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
