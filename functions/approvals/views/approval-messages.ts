/**
 * What approvers and submitters receive: the approval request (and its reminder, escalation and
 * renewed-link variants) by email and SMS, and the outcome email. Pure: every value is escaped
 * in HTML, both parts are always present, and nothing here reads a secret except the link it is
 * handed — which exists nowhere but in these messages.
 */
import type { RecordedDecision } from '#schemas/approval';
import { formatMoney, type Html, html } from '../../shared/html.ts';
import type { QuoteSummary } from './approval-page.ts';

/** Why a request is sent: first ask, reminder, escalation to a manager, fresh link for an expired one. */
export type AskKind = 'request' | 'reminder' | 'escalation' | 'renewal';

export interface EarlierDecision
  extends Pick<RecordedDecision, 'approverName' | 'decision' | 'comment' | 'at'> {
  stepName: string;
  onBehalfOf?: { userId: string; name: string };
}

export interface RequestMessageInput {
  kind: AskKind;
  quote: QuoteSummary;
  approverName: string;
  /** Why this person is asked: "manager of Ana (level 1)", "delegate of …", "escalated: …". */
  reason: string;
  onBehalfOf?: { userId: string; name: string };
  step: { number: number; count: number; name: string; why: string[] };
  earlier: EarlierDecision[];
  link: string;
  expiresAt: string;
  /** Reminders: how many so far, including this one. */
  reminder?: number;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const PREFIX: Record<AskKind, string> = {
  request: '',
  reminder: 'Reminder: ',
  escalation: 'Escalated: ',
  renewal: 'New link: ',
};

const INTRO: Record<AskKind, (input: RequestMessageInput) => string> = {
  request: () => 'A quote needs your approval.',
  reminder: (i) =>
    `Reminder${i.reminder ? ` ${i.reminder}` : ''}: this quote is still waiting for your decision. The link from the earlier message no longer works; use this one.`,
  escalation: () => 'This approval was escalated to you because it was not answered in time.',
  renewal: () => 'The earlier link for this approval expired before anyone decided; here is a new one.',
};

const percent = (value: number) => `${Number(value.toFixed(2))}%`;
const utc = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

const decisionLine = (d: EarlierDecision) =>
  `${d.stepName}: ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${d.approverName}` +
  `${d.onBehalfOf ? ` on behalf of ${d.onBehalfOf.name}` : ''}${d.comment ? ` — “${d.comment}”` : ''}`;

export function requestEmail(input: RequestMessageInput): RenderedEmail {
  const { quote } = input;
  const money = (minor: number) => formatMoney(minor, quote.currency);
  const subject = `${PREFIX[input.kind]}Approval needed: ${quote.name} for ${quote.customer} (${percent(quote.discountPercent)} discount)`;
  const asked = `${input.onBehalfOf ? `On behalf of ${input.onBehalfOf.name}: ` : ''}${input.reason}`;
  const why = [asked, ...input.step.why];
  const stepLine = `Step ${input.step.number} of ${input.step.count}: ${input.step.name}`;

  const text = [
    `Hello ${input.approverName},`,
    '',
    INTRO[input.kind](input),
    '',
    `${quote.name} for ${quote.customer}`,
    `Total: ${money(quote.total)} (net ${money(quote.net)})`,
    `Discount: ${percent(quote.discountPercent)}`,
    ...(quote.marginPercent !== undefined ? [`Margin: ${percent(quote.marginPercent)}`] : []),
    `Submitted by: ${quote.submittedBy}`,
    stepLine,
    '',
    'Why you are asked:',
    ...why.map((w) => `  - ${w}`),
    ...(input.earlier.length
      ? ['', 'Earlier decisions:', ...input.earlier.map((d) => `  - ${decisionLine(d)}`)]
      : []),
    '',
    `Approve or reject: ${input.link}`,
    `The link works until ${utc(input.expiresAt)}. Nothing is decided until you confirm on that page.`,
  ].join('\n');

  const button = (label: string, colour: string, fragment: string): Html =>
    html`<a href="${`${input.link}#${fragment}`}" style="display:inline-block;padding:12px 22px;margin:4px 8px 4px 0;border-radius:8px;background:${colour};color:#ffffff;font-weight:bold;text-decoration:none">${label}</a>`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.45;color:#1b1f24">
<div style="max-width:560px;margin:0 auto">
<p>Hello ${input.approverName},</p>
<p>${INTRO[input.kind](input)}</p>
<h1 style="font-size:20px;margin:12px 0">${quote.name} for ${quote.customer}</h1>
<table role="presentation" style="border-collapse:collapse;width:100%">
<tr><td style="padding:4px 0;color:#57606a">Total</td><td style="padding:4px 0;text-align:right;font-weight:bold">${money(quote.total)}</td></tr>
<tr><td style="padding:4px 0;color:#57606a">Net</td><td style="padding:4px 0;text-align:right">${money(quote.net)}</td></tr>
<tr><td style="padding:4px 0;color:#57606a">Discount</td><td style="padding:4px 0;text-align:right;font-weight:bold">${percent(quote.discountPercent)}</td></tr>
${quote.marginPercent !== undefined ? html`<tr><td style="padding:4px 0;color:#57606a">Margin</td><td style="padding:4px 0;text-align:right">${percent(quote.marginPercent)}</td></tr>` : ''}
<tr><td style="padding:4px 0;color:#57606a">Submitted by</td><td style="padding:4px 0;text-align:right">${quote.submittedBy}</td></tr>
</table>
<p style="color:#57606a">${stepLine}</p>
<h2 style="font-size:16px;margin:16px 0 4px">Why you are asked</h2>
<ul>${why.map((w) => html`<li>${w}</li>`)}</ul>
${
  input.earlier.length
    ? html`<h2 style="font-size:16px;margin:16px 0 4px">Earlier decisions</h2><ul>${input.earlier.map(
        (d) => html`<li>${decisionLine(d)}</li>`,
      )}</ul>`
    : ''
}
<p style="margin:20px 0">${button('Approve', '#1a7f37', 'approve')}${button('Reject', '#cf222e', 'reject')}</p>
<p style="color:#57606a;font-size:14px">Both buttons open a page where you confirm, and may comment. The link works until ${utc(input.expiresAt)}; do not forward it — whoever holds it can decide.</p>
</div></body></html>`;
  return { subject, html: body.value, text };
}

/** The SMS: short, with the link and the reply code. */
export function requestSms(input: {
  kind: AskKind;
  quote: QuoteSummary;
  link: string;
  code?: string;
}): string {
  const { quote } = input;
  const prefix = input.kind === 'request' ? '' : PREFIX[input.kind];
  const reply = input.code ? ` Reply YES ${input.code} or NO ${input.code}.` : '';
  return `${prefix}Approve quote ${quote.name} for ${quote.customer}: ${formatMoney(quote.total, quote.currency)}, ${percent(quote.discountPercent)} off? ${input.link}${reply}`;
}

export type FinalOutcome = 'approved' | 'rejected' | 'expired' | 'failed';

export function outcomeEmail(input: {
  outcome: FinalOutcome;
  quote: QuoteSummary;
  recipientName: string;
  decisions: EarlierDecision[];
  reason?: string;
}): RenderedEmail {
  const { quote } = input;
  const headline: Record<FinalOutcome, string> = {
    approved: `${quote.name} is approved`,
    rejected: `${quote.name} was rejected`,
    expired: `${quote.name}: nobody decided in time`,
    failed: `${quote.name}: the approval could not be completed`,
  };
  const next: Record<FinalOutcome, string> = {
    approved: 'You can send it to the customer.',
    rejected: 'Edit the quote to change it and submit it again.',
    expired: 'The quote is back in draft; submit it again when ready.',
    failed: 'The quote is back in draft; submit it again. If this happens again, tell an administrator.',
  };
  const lines = input.decisions.map(decisionLine);
  const text = [
    `Hello ${input.recipientName},`,
    '',
    `${headline[input.outcome]}.`,
    `${quote.customer} · ${formatMoney(quote.total, quote.currency)} · ${percent(quote.discountPercent)} discount`,
    ...(input.reason ? ['', input.reason] : []),
    ...(lines.length ? ['', 'Decisions:', ...lines.map((l) => `  - ${l}`)] : []),
    '',
    next[input.outcome],
  ].join('\n');
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${headline[input.outcome]}</title></head>
<body style="margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.45;color:#1b1f24">
<div style="max-width:560px;margin:0 auto">
<p>Hello ${input.recipientName},</p>
<h1 style="font-size:20px">${headline[input.outcome]}</h1>
<p>${quote.customer} · ${formatMoney(quote.total, quote.currency)} · ${percent(quote.discountPercent)} discount</p>
${input.reason ? html`<p>${input.reason}</p>` : ''}
${lines.length ? html`<h2 style="font-size:16px">Decisions</h2><ul>${lines.map((l) => html`<li>${l}</li>`)}</ul>` : ''}
<p>${next[input.outcome]}</p>
</div></body></html>`;
  return { subject: `${headline[input.outcome]} (${quote.customer})`, html: body.value, text };
}
