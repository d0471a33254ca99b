/**
 * The pages a satisfaction survey link opens. Built for a phone: one column, large targets, no
 * script. The rating page changes nothing; its form carries the link's nonce, and only that
 * POST records a rating.
 */
import { createHash } from 'node:crypto';
import { Html, html } from '../../shared/html.ts';

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0969da;--bg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--accent:#4493f8;--bg:#0d1117}}
*{box-sizing:border-box}body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2.5rem}h1{font-size:1.35rem;margin:.2rem 0 .8rem}
.muted{color:var(--muted);font-size:.92rem}fieldset{border:0;padding:0;margin:1rem 0}
.scale{display:grid;grid-template-columns:repeat(5,1fr);gap:.5rem}.scale label{display:block;text-align:center;border:1px solid var(--line);border-radius:12px;padding:.8rem 0;font-weight:700;cursor:pointer}
.scale input{display:block;margin:0 auto .3rem}textarea{width:100%;min-height:5rem;font:inherit;padding:.6rem;border-radius:10px;border:1px solid var(--line);background:transparent;color:inherit}
button{font:inherit;font-weight:700;width:100%;margin-top:1rem;padding:1rem;border-radius:12px;border:0;color:#fff;background:var(--accent);cursor:pointer}
`;

/**
 * Headers every survey page is sent with: no script, nothing loaded, only its own inline style
 * (by hash) and form posts back here; never framed, cached, indexed, or leaking the link in a
 * Referer.
 */
export const SURVEY_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, max-age=0',
  pragma: 'no-cache',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`,
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

const LABELS = ['', 'Very poor', 'Poor', 'OK', 'Good', 'Excellent'];

export function ratingPage(input: {
  subject: string;
  nonce: string;
  action: string;
  validUntil: string;
}): string {
  return page(
    'How did we do?',
    html`<p class="muted">Satisfaction survey</p>
<h1>How satisfied are you with the help on “${input.subject}”?</h1>
<form method="post" action="${input.action}">
  <input type="hidden" name="nonce" value="${input.nonce}">
  <fieldset><legend class="muted">1 is very poor, 5 is excellent</legend><div class="scale">
  ${[1, 2, 3, 4, 5].map(
    (n) =>
      html`<label><input type="radio" name="rating" value="${n}" required aria-label="${LABELS[n]}">${n}</label>`,
  )}
  </div></fieldset>
  <label class="muted" for="comment">Anything to add? (optional)</label>
  <textarea id="comment" name="comment" maxlength="2000"></textarea>
  <button type="submit">Send my rating</button>
</form>
<p class="muted">Valid until ${input.validUntil.replace('T', ' ').slice(0, 16)} UTC. Nothing is recorded until you press the button.</p>`,
  );
}

export type SurveyOutcome = 'thanks' | 'already-answered' | 'expired' | 'invalid' | 'bad-form';

const TITLES: Record<SurveyOutcome, string> = {
  thanks: 'Thank you for your rating',
  'already-answered': 'This survey was already answered',
  expired: 'This survey link has expired',
  invalid: 'This link is not valid',
  'bad-form': 'Your rating could not be read',
};

export function surveyOutcomePage(kind: SurveyOutcome, lines: string[] = [], back?: string): string {
  return page(
    TITLES[kind],
    html`<h1 data-outcome="${kind}">${TITLES[kind]}</h1>${lines.map((line) => html`<p>${line}</p>`)}${
      back ? html`<p><a href="${back}">Back to the survey</a></p>` : ''
    }`,
  );
}
