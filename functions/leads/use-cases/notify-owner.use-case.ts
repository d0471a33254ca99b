import type { StoredRecord } from '#schemas/common';
import type { LeadRoutingOutcome } from '#schemas/records/lead';
import { DeliveryError, deliverOnce } from '../../shared/deliver-once.ts';
import type { ScoreLine } from '../domain/lead-scoring.ts';
import type { FollowUpState, NotifyDeps } from '../ports.ts';
import { type LeadSummary, ownerEmail, ownerSms } from '../views/lead-messages.ts';
import { appendLeadEvent, hasEvent } from './lead-history.ts';

export interface NotifyResult {
  sent: ('email' | 'sms')[];
  skipped?: string;
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

export function leadSummary(lead: StoredRecord): LeadSummary {
  const name = [str(lead.firstName), str(lead.lastName)].filter(Boolean).join(' ');
  return {
    id: lead.id,
    name,
    ...(str(lead.company) ? { company: str(lead.company) } : {}),
    ...(str(lead.title) ? { title: str(lead.title) } : {}),
    ...(str(lead.email) ? { email: str(lead.email) } : {}),
    ...(str(lead.phone) ? { phone: str(lead.phone) } : {}),
    ...(str(lead.country) ? { country: str(lead.country) } : {}),
    ...(typeof lead.employees === 'number' ? { employees: lead.employees } : {}),
    ...(str(lead.source) ? { source: str(lead.source) } : {}),
    ...(typeof lead.score === 'number' ? { score: lead.score } : {}),
    ...(Array.isArray(lead.scoreBreakdown) ? { breakdown: lead.scoreBreakdown as ScoreLine[] } : {}),
    hot: lead.hot === true,
  };
}

/**
 * Tells a lead's owner they have it: an email always, an SMS too when the lead is hot and the
 * owner takes texts. A task of the lead-routing flow.
 * 1. Skip when the lead is gone, archived or has another owner by now (nothing to tell).
 * 2. Skip when the history already records this notification (a retried task).
 * 3. Email the lead, its score and why the owner got it, with the follow-up deadline; text a hot
 *    lead's owner. Both are recorded in the outbox first and each goes out once however often
 *    the task is retried (../shared/deliver-once.ts); a number that opted out gets nothing.
 * 4. Record what went out in the lead's history; a channel that failed fails the task after
 *    that, and the retry sends only that channel.
 */
export async function notifyOwner(deps: NotifyDeps, state: FollowUpState): Promise<NotifyResult> {
  const lead = await deps.store.get('lead', state.leadId);
  if (!lead || lead.archived) return { sent: [], skipped: 'the lead is gone or archived' };
  if (lead.ownerId !== state.ownerId) return { sent: [], skipped: 'the lead has another owner now' };
  const owner = await deps.store.get('user', state.ownerId);
  if (!owner || owner.archived) return { sent: [], skipped: 'the owner no longer exists' };
  const key = `notify:${state.attempt}:${state.ownerId}`;
  if (await hasEvent(deps.store, lead.id, key)) return { sent: [], skipped: 'already notified' };

  const routing = lead.routing as LeadRoutingOutcome | undefined;
  const input = {
    kind: state.kind ?? 'routed',
    ownerName: String(owner.name),
    lead: leadSummary(lead),
    why: routing?.explanation ?? 'you own this lead',
    ...(state.followUpSeconds > 0 ? { followUpHours: state.followUpSeconds / 3600 } : {}),
  };
  const phone = str(owner.phone);
  const text = state.hot && phone && owner.smsOptOut !== true;
  let failure: DeliveryError | undefined;
  const delivered = await deliverOnce(deps, `lead-${lead.id}-${key}`, {
    email: { to: [String(owner.email)], ...ownerEmail(input), tags: { flow: 'lead-routing', lead: lead.id } },
    ...(text ? { sms: { to: phone, body: ownerSms(input), kind: 'Transactional' as const } } : {}),
  }).catch((error: unknown) => {
    if (!(error instanceof DeliveryError)) throw error;
    failure = error;
    return error.delivered;
  });
  const sent = (['email', 'sms'] as const).filter((c) => delivered[c] && delivered[c].status !== 'skipped');
  const unconfirmed = (['email', 'sms'] as const).filter((c) => delivered[c]?.status === 'unconfirmed');
  const notes = [
    ...(delivered.sms?.status === 'skipped' ? ['no SMS: the number opted out of texts'] : []),
    ...(unconfirmed.length
      ? [`${unconfirmed.join(' and ')} unconfirmed: an attempt stopped while handing it over, not sent twice`]
      : []),
    ...(failure ? ['the rest failed and is retried'] : []),
  ];
  const eventKey = failure ? `${key}:partial` : key;
  if (sent.length > 0 && !(failure && (await hasEvent(deps.store, lead.id, eventKey))))
    // After a partial failure, what went out is recorded under a key of its own: the retry still
    // finds no complete notification, sends the rest, and records that.
    await appendLeadEvent(deps.store, lead, {
      key: eventKey,
      at: deps.now().toISOString(),
      action: 'owner-notified',
      summary: `${sent.includes('sms') ? 'Emailed and texted' : 'Emailed'} ${String(owner.name)} about the lead${notes.length ? `; ${notes.join('; ')}` : ''}`,
      context: { ownerId: owner.id, attempt: state.attempt, channels: sent },
    });
  if (failure) throw failure;
  return { sent };
}
