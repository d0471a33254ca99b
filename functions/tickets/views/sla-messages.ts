/**
 * What people read: SLA alerts to staff (email and SMS) and the satisfaction survey email to the
 * customer. Values from tickets are escaped in HTML; SMS texts stay short and name the ticket.
 */
import type { EmailMessage } from '#connectors/email/email-sender';
import type { EscalationAudience, SlaClockName } from '#schemas/admin/sla-ticket';
import { html } from '../../shared/html.ts';

export const CLOCK_LABEL: Record<SlaClockName, string> = {
  firstResponse: 'first response',
  resolution: 'resolution',
};

const AUDIENCE_LABEL: Record<EscalationAudience, string> = {
  agent: "the ticket's agent",
  'team-lead': "the team lead of the ticket's queue",
  manager: 'the manager above the team lead',
};

export interface AlertFacts {
  ticketId: string;
  subject: string;
  priority: string;
  clock: SlaClockName;
  atPercent: number;
  audience: EscalationAudience;
  /** The deadline, in the policy calendar's zone, e.g. `Mon 30 Nov 2026, 09:55 (Europe/Berlin)`. */
  dueLocal: string;
  recipientName: string;
  ownerName?: string | undefined;
}

/** Warning before the deadline, breach at it, escalation after it. */
export const phaseOf = (atPercent: number) =>
  atPercent < 100 ? 'warning' : atPercent === 100 ? 'breached' : 'escalation';

function sentence(f: AlertFacts): string {
  const clock = CLOCK_LABEL[f.clock];
  return f.atPercent < 100
    ? `The ${clock} on ${f.priority} ticket “${f.subject}” is due ${f.dueLocal} (${f.atPercent} % of its target used).`
    : f.atPercent === 100
      ? `The ${clock} on ${f.priority} ticket “${f.subject}” was due ${f.dueLocal} and has not happened: the SLA is breached.`
      : `The ${clock} on ${f.priority} ticket “${f.subject}” was due ${f.dueLocal} and is still outstanding (${f.atPercent} % of its target).`;
}

export function alertEmail(to: string, f: AlertFacts): EmailMessage {
  const phase = phaseOf(f.atPercent);
  const subject = `[SLA ${phase}] ${f.priority} ticket “${f.subject}”: ${CLOCK_LABEL[f.clock]} ${
    f.atPercent < 100 ? `due ${f.dueLocal}` : `overdue since ${f.dueLocal}`
  }`;
  const lines = [
    sentence(f),
    `Ticket: ${f.ticketId}${f.ownerName ? ` · agent: ${f.ownerName}` : ' · no agent assigned'}`,
    `You receive this as ${AUDIENCE_LABEL[f.audience]}.`,
  ];
  return {
    to: [to],
    subject,
    text: `Hello ${f.recipientName},\n\n${lines.join('\n')}\n`,
    html: html`<p>Hello ${f.recipientName},</p>${lines.map((line) => html`<p>${line}</p>`)}`.value,
    tags: { flow: 'ticket-sla', ticket: f.ticketId, phase },
  };
}

export function alertSms(f: AlertFacts): string {
  const what = CLOCK_LABEL[f.clock];
  const when = f.atPercent < 100 ? `due ${f.dueLocal}` : `OVERDUE since ${f.dueLocal}`;
  return `Junction SLA ${phaseOf(f.atPercent)}: ${f.priority} ticket "${f.subject.slice(0, 60)}" ${what} ${when}. Ticket ${f.ticketId}`;
}

export function surveyEmail(input: {
  to: string;
  name: string;
  subject: string;
  ticketId: string;
  link: string;
  validUntilLocal: string;
}): EmailMessage {
  const intro = `Your request “${input.subject}” has been closed. How satisfied were you with the help you got?`;
  return {
    to: [input.to],
    subject: `How did we do? ${input.subject}`,
    text: `Hello ${input.name},\n\n${intro}\n\nRate us here: ${input.link}\n\nThe link works once, until ${input.validUntilLocal}.\n`,
    html: html`<p>Hello ${input.name},</p><p>${intro}</p>
<p><a href="${input.link}">Rate the help you got</a></p>
<p>The link works once, until ${input.validUntilLocal}.</p>`.value,
    tags: { flow: 'ticket-survey', ticket: input.ticketId },
  };
}
