import type { SlaPolicy } from '#schemas/admin/sla-policy';
import { SimulateSlaRequest } from '#schemas/admin/sla-simulation';
import type { DocumentDeps } from '../../admin/ports.ts';
import { loadHead, loadVersion } from '../../admin/use-cases/document-service.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { BusinessClock } from '../../shared/business-calendar.ts';
import { parseOrThrow, rejected } from '../../shared/errors.ts';
import { advanceSla, pendingPoints } from '../domain/sla-clock.ts';
import { activeSlaPolicies, type ChosenPolicy, choosePolicy, SLA_KIND, tierOf } from './sla-policies.ts';

/**
 * The SLA dry run: the deadlines and escalation times a ticket gets (or got) if nothing happens
 * to it — no reply, no pause — computed by the same functions the real clocks use.
 * 1. Take the ticket's facts: an existing ticket's, or the ones given.
 * 2. Choose the policy as ticket creation does (or take the version named).
 * 3. Start the clocks at the creation time; list every point ahead, in time order.
 * Starts nothing and sends nothing.
 */
export async function simulateSla(deps: DocumentDeps, body: unknown) {
  const request = parseOrThrow(SimulateSlaRequest, body);
  let facts: { priority: string; accountId?: string; tier?: string; queueId?: string };
  let createdAt = request.createdAt ? new Date(request.createdAt) : deps.now();
  let followed: ChosenPolicy['ref'] | undefined;
  if (request.ticketId) {
    const ticket = await loadRecord(deps, RECORD_TYPES.ticket, request.ticketId);
    facts = {
      priority: String(ticket.priority),
      ...(typeof ticket.accountId === 'string' ? { accountId: ticket.accountId } : {}),
      ...(typeof ticket.queueId === 'string' ? { queueId: ticket.queueId } : {}),
    };
    if (!request.createdAt) createdAt = new Date(ticket.createdAt);
    followed = (ticket.sla as { policy?: ChosenPolicy['ref'] } | undefined)?.policy;
  } else {
    facts = request.ticket ?? { priority: 'P3' };
    if (facts.accountId) await loadRecord(deps, RECORD_TYPES.account, facts.accountId);
  }

  let chosen: ChosenPolicy | undefined;
  if (request.policy) {
    const head = await loadHead(deps, SLA_KIND, request.policy.id);
    const version = await loadVersion<SlaPolicy>(deps, SLA_KIND, head.id, request.policy.version);
    chosen = {
      ref: { id: head.id, version: version.version, name: version.content.name },
      content: version.content,
      why: `version ${version.version} was named in the request`,
    };
  } else if (followed) {
    const version = await loadVersion<SlaPolicy>(deps, SLA_KIND, followed.id, followed.version);
    chosen = {
      ref: followed,
      content: version.content,
      why: 'the ticket follows this version since it was created',
    };
  } else {
    chosen = choosePolicy(await activeSlaPolicies(deps), facts.queueId);
  }
  if (!chosen)
    throw rejected(
      'no-sla-policy',
      'No SLA policy applies',
      'No active SLA policy covers this ticket: activate one without queueIds, or one naming its queue.',
    );

  const tier = facts.tier ?? (await tierOf(deps, facts.accountId));
  const { sla } = advanceSla({
    previous: undefined,
    ticket: { status: 'new', priority: facts.priority },
    policy: chosen.content,
    policyRef: chosen.ref,
    tier,
    now: createdAt,
  });
  const business = new BusinessClock(chosen.content.calendar);
  const local = (iso: string) => business.format(new Date(iso));
  const clock = (c: typeof sla.firstResponse) => ({
    targetMinutes: c.targetMinutes,
    dueAt: c.dueAt as string,
    dueLocal: local(c.dueAt as string),
  });
  return {
    policy: { ...chosen.ref, why: chosen.why },
    priority: facts.priority,
    tier,
    createdAt: createdAt.toISOString(),
    timeZone: chosen.content.calendar.timeZone,
    firstResponse: clock(sla.firstResponse),
    resolution: clock(sla.resolution),
    escalations: pendingPoints(sla, chosen.content).flatMap((p) =>
      p.kind === 'escalation'
        ? [
            {
              clock: p.clock,
              atPercent: p.atPercent,
              notify: p.notify,
              channels: p.channels,
              at: p.at,
              atLocal: local(p.at),
            },
          ]
        : [],
    ),
    autoClose: {
      resolvedAfterBusinessDays: chosen.content.autoClose.resolvedAfterBusinessDays,
      pendingCustomerAfterBusinessDays: chosen.content.autoClose.pendingCustomerAfterBusinessDays,
      survey: chosen.content.autoClose.survey,
    },
  };
}
