import { metrics } from '#platform/observability';
import type { SlaPolicy } from '#schemas/admin/sla-policy';
import type { SentEscalation, SlaDelivery, TicketSla } from '#schemas/admin/sla-ticket';
import type { StoredRecord } from '#schemas/common';
import { hashSurveyLink, newSurveyLinkId, newSurveyNonce } from '#store/survey-store';
import { BusinessClock } from '../../shared/business-calendar.ts';
import { type ChannelOutcome, deliverOnce, deliverRecorded } from '../../shared/deliver-once.ts';
import { pendingPoints, type SlaPoint, splitDue } from '../domain/sla-clock.ts';
import type { TicketDeps } from '../ports.ts';
import { alertEmail, alertSms, CLOCK_LABEL, surveyEmail } from '../views/sla-messages.ts';
import { policyVersion } from './sla-policies.ts';
import { SLA_SOURCE, TICKET, writeTicket } from './ticket-writes.ts';

export interface CheckInput {
  ticketId: string;
  generation: number;
  /** The point the workflow waited for; null on the generation's first check. */
  wokeFor: string | null;
}

export interface CheckResult {
  ticketId: string;
  generation: number;
  next: 'wait' | 'done';
  /** When to check again (the next point), for the Wait state's TimestampPath. */
  wokeFor: string | null;
  /** What this check did, for the execution history. */
  did: string[];
}

interface Person {
  /** A user id, or `queue:{id}` for a queue's shared inbox. */
  ref: string;
  name: string;
  email?: string;
  phone?: string;
  smsOptOut?: boolean;
  managerId?: string;
}

async function user(deps: TicketDeps, id: unknown): Promise<Person | undefined> {
  if (typeof id !== 'string') return undefined;
  const found = await deps.store.get('user', id);
  if (!found || found.archived || found.active === false) return undefined;
  return {
    ref: found.id,
    name: String(found.name),
    ...(typeof found.email === 'string' ? { email: found.email } : {}),
    ...(typeof found.phone === 'string' ? { phone: found.phone } : {}),
    smsOptOut: found.smsOptOut === true,
    ...(typeof found.managerId === 'string' ? { managerId: found.managerId } : {}),
  };
}

/**
 * Who an escalation level reaches on this ticket:
 *   agent      the owner, else the queue's shared inbox
 *   team-lead  the queue's manager, else the owner's manager
 *   manager    the team lead's manager
 */
async function audienceOf(
  deps: TicketDeps,
  ticket: StoredRecord,
  notify: string,
): Promise<Person | undefined> {
  const owner = await user(deps, ticket.ownerId);
  const queue =
    typeof ticket.queueId === 'string' ? await deps.store.get('queue', ticket.queueId) : undefined;
  if (notify === 'agent') {
    if (owner) return owner;
    return queue && typeof queue.email === 'string'
      ? { ref: `queue:${queue.id}`, name: String(queue.name), email: queue.email }
      : undefined;
  }
  const lead = (await user(deps, queue?.managerId)) ?? (await user(deps, owner?.managerId));
  return notify === 'team-lead' ? lead : user(deps, lead?.managerId);
}

/**
 * Sends one escalation on the channels its level names. SMS needs a number that has not opted
 * out; without one the person gets the alert by email instead (said in the delivery record).
 */
async function escalate(
  deps: TicketDeps,
  ticket: StoredRecord,
  point: Extract<SlaPoint, { kind: 'escalation' }>,
  business: BusinessClock,
  sla: TicketSla,
): Promise<SentEscalation> {
  const person = await audienceOf(deps, ticket, point.notify);
  const base = {
    key: point.key,
    clock: point.clock,
    atPercent: point.atPercent,
    notify: point.notify,
    dueAt: point.at,
    sentAt: deps.now().toISOString(),
  };
  if (!person)
    return {
      ...base,
      deliveries: point.channels.map((channel) => ({
        channel,
        outcome: 'skipped' as const,
        reason: `nobody to notify as ${point.notify}: set the ticket's owner, or its queue's manager`,
      })),
    };
  const owner = await user(deps, ticket.ownerId);
  const facts = {
    ticketId: ticket.id,
    subject: String(ticket.subject),
    priority: String(ticket.priority),
    clock: point.clock,
    atPercent: point.atPercent,
    audience: point.notify,
    dueLocal: business.format(new Date(sla[point.clock].dueAt ?? point.at)),
    recipientName: person.name,
    ownerName: owner?.name,
  };
  // Each channel is recorded before it is sent and goes out once, however often the task is
  // retried (../shared/deliver-once.ts); a retry finds the alert the first attempt recorded.
  const key = `sla-alert#${ticket.id}#${sla.generation}#${point.key}`;
  const wantsEmail = point.channels.includes('email');
  const smsWhy = !person.phone ? 'no mobile number' : person.smsOptOut ? 'SMS opted out' : undefined;
  const wantsSms = point.channels.includes('sms');
  const emailOut =
    person.email && (wantsEmail || (wantsSms && smsWhy)) ? alertEmail(person.email, facts) : undefined;
  const delivered = await deliverOnce(deps, key, {
    ...(emailOut ? { email: emailOut } : {}),
    ...(wantsSms && !smsWhy
      ? { sms: { to: person.phone as string, body: alertSms(facts), kind: 'Transactional' as const } }
      : {}),
  });
  const unconfirmed = (outcome: ChannelOutcome | undefined) =>
    outcome?.status === 'unconfirmed'
      ? 'unconfirmed: an attempt stopped while handing it over; not sent twice'
      : undefined;
  const deliveries: SlaDelivery[] = [];
  const email = async (instead?: string) => {
    if (!person.email) {
      deliveries.push({ channel: 'email', to: person.ref, outcome: 'skipped', reason: 'no email address' });
      return;
    }
    // An email in place of an SMS the carrier refused is a message of its own.
    const outcome =
      instead && !emailOut
        ? (await deliverOnce(deps, `${key}#instead-of-sms`, { email: alertEmail(person.email, facts) })).email
        : delivered.email;
    const reason = [instead ? `instead of SMS: ${instead}` : undefined, unconfirmed(outcome)]
      .filter(Boolean)
      .join('; ');
    deliveries.push({ channel: 'email', to: person.ref, outcome: 'sent', ...(reason ? { reason } : {}) });
  };
  for (const channel of point.channels) {
    if (channel === 'email') {
      await email();
      continue;
    }
    const outcome = delivered.sms;
    if (outcome && outcome.status !== 'skipped') {
      const reason = unconfirmed(outcome);
      deliveries.push({ channel: 'sms', to: person.ref, outcome: 'sent', ...(reason ? { reason } : {}) });
      continue;
    }
    const reason = smsWhy ?? 'the number opted out at the carrier';
    deliveries.push({ channel: 'sms', to: person.ref, outcome: 'skipped', reason });
    if (!wantsEmail) await email(reason);
  }
  return { ...base, deliveries };
}

/** Emails the survey a ticket closed automatically owes; answers the new survey state. */
async function sendSurvey(
  deps: TicketDeps,
  ticket: StoredRecord,
  policy: SlaPolicy,
  business: BusinessClock,
): Promise<NonNullable<TicketSla['survey']>> {
  const contact =
    typeof ticket.contactId === 'string' ? await deps.store.get('contact', ticket.contactId) : undefined;
  if (!contact || contact.archived || typeof contact.email !== 'string')
    return { state: 'skipped', reason: 'the ticket has no contact with an email address' };
  if (contact.emailOptOut === true) return { state: 'skipped', reason: 'the contact opted out of email' };
  // One survey per closed ticket: a retry finds the link and email the first attempt recorded.
  const key = `survey#${ticket.id}#${(ticket.sla as TicketSla).generation}`;
  let entry = await deps.outbox.find(key);
  if (!entry) {
    const now = deps.now();
    const validUntil = new Date(now.getTime() + policy.autoClose.surveyValidDays * 86_400_000).toISOString();
    const linkId = newSurveyLinkId();
    const email = surveyEmail({
      to: contact.email,
      name: [contact.firstName, contact.lastName].filter(Boolean).join(' ') || 'there',
      subject: String(ticket.subject),
      ticketId: ticket.id,
      link: `${deps.linkBaseUrl}/surveys/${linkId}`,
      validUntilLocal: business.format(new Date(validUntil)),
    });
    await deps.surveys
      .create(
        {
          hash: hashSurveyLink(linkId),
          ticketId: ticket.id,
          subject: String(ticket.subject),
          contactId: contact.id,
          nonce: newSurveyNonce(),
          createdAt: now.toISOString(),
          validUntil,
          status: 'open',
        },
        [
          deps.outbox.intentItem(
            key,
            { ref: { sentAt: now.toISOString(), validUntil }, messages: { email } },
            now,
          ),
        ],
      )
      .catch(async (error: unknown) => {
        // Another attempt recorded the survey meanwhile: that one is sent.
        if (!(await deps.outbox.find(key))) throw error;
      });
    entry = await deps.outbox.find(key);
    if (!entry) throw new Error(`outbox entry ${key} is missing right after it was written`);
  }
  const delivered = await deliverRecorded(deps, entry);
  metrics.addMetric('SurveySent', 'Count', 1);
  return {
    state: 'sent',
    sentAt: String(entry.ref.sentAt),
    validUntil: String(entry.ref.validUntil),
    ...(delivered.email?.status === 'unconfirmed'
      ? { reason: 'unconfirmed: an attempt stopped while handing the email over; not sent twice' }
      : {}),
  };
}

const done = (input: CheckInput, did: string[], generation = input.generation): CheckResult => ({
  ticketId: input.ticketId,
  generation,
  next: 'done',
  wokeFor: null,
  did,
});

/**
 * The ticket-sla workflow's one task: wake, re-read the ticket, act on what is due, say what to
 * wait for next. The ticket is the source of truth, so pauses, replies and priority changes made
 * while the workflow slept are honoured here.
 * 1. A ticket gone, archived, or watched by a newer generation: this execution is done.
 * 2. What is due is every pending point up to the later of now and the point waited for (the
 *    engine's Wait is the clock: on a time-scaled local hub it runs ahead of the wall clock).
 * 3. Send due escalations (email/SMS), mark due breaches, close a ticket whose quiet period
 *    ended, email the survey a closed ticket owes.
 * 4. Record all of it on the ticket in one write; a lost race reads the ticket again.
 * 5. Wait for the next point, or finish when none is left or a newer generation took over.
 */
export async function checkTicketSla(deps: TicketDeps, input: CheckInput): Promise<CheckResult> {
  const ticket = await deps.store.get(TICKET.name, input.ticketId);
  if (!ticket || ticket.archived) return done(input, ['the ticket is gone or archived']);
  const sla = ticket.sla as TicketSla | undefined;
  if (!sla || sla.generation !== input.generation)
    return done(input, [`superseded by generation ${sla?.generation ?? 'none'}`]);
  const policy = await policyVersion(deps, sla.policy);
  const business = new BusinessClock(policy.calendar);
  const now = deps.now().getTime();
  const cutoff = new Date(Math.max(now, input.wokeFor ? Date.parse(input.wokeFor) : now));
  const { due } = splitDue(pendingPoints(sla, policy), cutoff);

  const sent: SentEscalation[] = [];
  const did: string[] = [];
  for (const point of due) {
    if (point.kind !== 'escalation') continue;
    sent.push(await escalate(deps, ticket, point, business, sla));
    metrics.addMetric('SlaEscalationSent', 'Count', 1);
    did.push(`${CLOCK_LABEL[point.clock]} ${point.atPercent} %: ${point.notify} notified`);
  }
  const breaches = due.filter((p) => p.kind === 'breach');
  const close = due.find((p) => p.kind === 'auto-close');
  const survey = due.some((p) => p.kind === 'survey')
    ? await sendSurvey(deps, ticket, policy, business)
    : undefined;
  if (due.length === 0 && !survey) {
    const { next } = splitDue(pendingPoints(sla, policy), cutoff);
    return next
      ? { ...done(input, []), next: 'wait', wokeFor: next.at }
      : done(input, ['nothing left to watch']);
  }

  const at = new Date(now).toISOString();
  const written = await writeTicket(
    deps,
    input.ticketId,
    (current) => {
      const state = current.sla as TicketSla | undefined;
      if (!state || state.generation !== input.generation) return undefined;
      const next: TicketSla = structuredClone(state);
      const known = new Set(next.escalations.map((e) => e.key));
      next.escalations.push(...sent.filter((e) => !known.has(e.key)));
      for (const breach of breaches) {
        if (breach.kind !== 'breach' || next[breach.clock].breachedAt) continue;
        next[breach.clock].breachedAt = breach.at;
        next.breaches.push({
          clock: breach.clock,
          dueAt: breach.at,
          recordedAt: at,
          priority: next.priority,
        });
      }
      if (survey) next.survey = survey;
      const closing = close && current.status !== 'closed';
      if (closing) {
        next.closedAutomaticallyAt = at;
        if (policy.autoClose.survey) next.survey = { state: 'owed' };
      }
      const summary = [
        ...sent.map((e) => `SLA ${CLOCK_LABEL[e.clock]} at ${e.atPercent} %: ${e.notify} notified`),
        ...breaches.map((b) => `SLA ${b.kind === 'breach' ? CLOCK_LABEL[b.clock] : ''} breached`),
        ...(closing && close?.kind === 'auto-close'
          ? [
              close.reason === 'resolved'
                ? 'Closed automatically: resolved and not reopened'
                : 'Closed automatically: the customer did not reply',
            ]
          : []),
        ...(survey
          ? [`Satisfaction survey ${survey.state}${survey.reason ? `: ${survey.reason}` : ''}`]
          : []),
      ].join('; ');
      return {
        fields: { sla: next, ...(closing ? { status: 'closed' } : {}) },
        action: closing
          ? 'auto-close'
          : survey
            ? 'survey'
            : breaches.length
              ? 'sla-breach'
              : 'sla-escalation',
        summary,
      };
    },
    SLA_SOURCE,
  );
  for (const breach of breaches)
    if (breach.kind === 'breach') did.push(`${CLOCK_LABEL[breach.clock]} breached`);
  if (close) {
    did.push('closed automatically');
    metrics.addMetric('TicketAutoClosed', 'Count', 1);
  }
  if (survey) did.push(`survey ${survey.state}`);

  const after = written.sla as TicketSla | undefined;
  if (!after || after.generation !== input.generation) return done(input, did, after?.generation);
  const { next } = splitDue(pendingPoints(after, policy), cutoff);
  return next
    ? { ticketId: input.ticketId, generation: input.generation, next: 'wait', wokeFor: next.at, did }
    : done(input, did);
}
