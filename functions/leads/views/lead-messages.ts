/**
 * What a lead's owner receives: the email (always) and, for hot leads, an SMS. Pure: every value
 * is escaped in HTML, and both parts of the email are always present.
 */
import { html } from '../../shared/html.ts';
import type { ScoreLine } from '../domain/lead-scoring.ts';

export type NotifyKind = 'routed' | 'reassigned' | 'escalated';

export interface LeadSummary {
  id: string;
  name: string;
  company?: string;
  title?: string;
  email?: string;
  phone?: string;
  country?: string;
  employees?: number;
  source?: string;
  score?: number;
  breakdown?: ScoreLine[];
  hot: boolean;
}

export interface NotifyInput {
  kind: NotifyKind;
  ownerName: string;
  lead: LeadSummary;
  /** Why the owner got it: the routing explanation or the follow-up's reason. */
  why: string;
  /** Hours the owner has to log a contact before the lead moves on; none when no follow-up. */
  followUpHours?: number;
}

const SUBJECT: Record<NotifyKind, string> = {
  routed: 'New lead for you',
  reassigned: 'Lead reassigned to you',
  escalated: 'Lead escalated to you',
};

const hours = (value: number) =>
  value >= 1
    ? `${Number(value.toFixed(2))} hour${value === 1 ? '' : 's'}`
    : `${Math.round(value * 60)} minutes`;

const who = (lead: LeadSummary) => `${lead.name}${lead.company ? ` (${lead.company})` : ''}`;

export function ownerEmail(input: NotifyInput): { subject: string; text: string; html: string } {
  const { lead } = input;
  const subject = `${lead.hot ? 'Hot: ' : ''}${SUBJECT[input.kind]}: ${who(lead)}`;
  const facts: [string, string | undefined][] = [
    ['Name', lead.name],
    ['Company', lead.company],
    ['Title', lead.title],
    ['Email', lead.email],
    ['Phone', lead.phone],
    ['Country', lead.country],
    ['Employees', lead.employees?.toString()],
    ['Source', lead.source],
    ['Score', lead.score?.toString()],
  ];
  const shown = facts.filter((f): f is [string, string] => f[1] !== undefined);
  const deadline =
    input.followUpHours !== undefined
      ? `Please log a contact within ${hours(input.followUpHours)}; otherwise the lead moves on.`
      : undefined;
  const text = [
    `Hello ${input.ownerName},`,
    '',
    `${SUBJECT[input.kind]}: ${who(lead)}${lead.hot ? ' — a hot lead' : ''}.`,
    '',
    ...shown.map(([label, value]) => `${label}: ${value}`),
    ...(lead.breakdown?.length
      ? ['', 'Score:', ...lead.breakdown.map((l) => `  ${l.points >= 0 ? '+' : ''}${l.points} ${l.rule}`)]
      : []),
    '',
    `Why you: ${input.why}`,
    ...(deadline ? ['', deadline] : []),
    '',
    `Lead ${lead.id}`,
  ].join('\n');
  const body = html`<!doctype html>
<html><body style="font-family: sans-serif">
<p>Hello ${input.ownerName},</p>
<p><strong>${SUBJECT[input.kind]}: ${who(lead)}</strong>${lead.hot ? ' — a hot lead' : ''}.</p>
<table>${shown.map(([label, value]) => html`<tr><th align="left">${label}</th><td>${value}</td></tr>`)}</table>
${
  lead.breakdown?.length
    ? html`<p>Score:</p><ul>${lead.breakdown.map((l) => html`<li>${l.points >= 0 ? '+' : ''}${l.points} ${l.rule}</li>`)}</ul>`
    : ''
}
<p>Why you: ${input.why}</p>
${deadline ? html`<p><strong>${deadline}</strong></p>` : ''}
<p style="color: #666">Lead ${lead.id}</p>
</body></html>`;
  return { subject, text, html: body.value };
}

/** The SMS for a hot lead: short enough for one message segment where the names allow. */
export function ownerSms(input: NotifyInput): string {
  const { lead } = input;
  const reach = lead.phone ?? lead.email ?? '';
  const deadline = input.followUpHours !== undefined ? ` Contact within ${hours(input.followUpHours)}.` : '';
  return `Hot lead${input.kind === 'routed' ? '' : ` (${input.kind})`}: ${who(lead)}${
    lead.score !== undefined ? `, score ${lead.score}` : ''
  }. ${reach}${deadline} Lead ${lead.id}`;
}
