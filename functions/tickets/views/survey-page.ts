/**
 * The pages a satisfaction survey link opens, in the public page shell
 * (functions/shared/public-page.ts). The rating page changes nothing; its form carries the
 * link's nonce, and only that POST records a rating.
 */
import { html } from '../../shared/html.ts';
import { publicPages } from '../../shared/public-page.ts';

const STYLE = `
fieldset{border:0;padding:0;margin:1rem 0}
.scale{display:grid;grid-template-columns:repeat(5,1fr);gap:.5rem}.scale label{display:block;text-align:center;border:1px solid var(--line);border-radius:12px;padding:.8rem 0;font-weight:700;cursor:pointer}
.scale input{display:block;margin:0 auto .3rem}
button{width:100%;margin-top:1rem;background:var(--accent)}
`;

export type SurveyOutcome = 'thanks' | 'already-answered' | 'expired' | 'invalid' | 'bad-form';

export const surveyPages = publicPages<SurveyOutcome>(STYLE, {
  thanks: 'Thank you for your rating',
  'already-answered': 'This survey was already answered',
  expired: 'This survey link has expired',
  invalid: 'This link is not valid',
  'bad-form': 'Your rating could not be read',
});

const LABELS = ['', 'Very poor', 'Poor', 'OK', 'Good', 'Excellent'];

export function ratingPage(input: {
  subject: string;
  nonce: string;
  action: string;
  validUntil: string;
}): string {
  return surveyPages.page(
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
