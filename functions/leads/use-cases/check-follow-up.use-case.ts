import { ulid } from 'ulid';
import type { StoredRecord } from '#schemas/common';
import type { LeadRoutingOutcome } from '#schemas/records/lead';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { diff } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { businessFields, withRetries } from '../../records/use-cases/record-service.ts';
import { leadDirectory, routingVersion } from '../adapters/lead-directory.ts';
import { isAway, type RoutingUser, resolveTarget } from '../domain/routing-plan.ts';
import type { FollowUpState, LeadDeps } from '../ports.ts';
import { isOpenLead } from './intake-lead.use-case.ts';
import { appendLeadEvent, hasEvent, LEAD_FLOW_ACTOR } from './lead-history.ts';

/** The flow's next state: `notify` the new owner and wait again, or `done`. */
export type FollowUpStep = FollowUpState & { next: 'notify' | 'done'; outcome: string };

const hours = (h: number) => (h >= 1 ? `${Number(h.toFixed(2))} h` : `${Math.round(h * 60)} min`);

/**
 * After the follow-up window: did the owner contact the lead? If not, move it on.
 * A task of the lead-routing flow, run once per window.
 * 1. Done when the lead is gone, closed, has another owner (someone reassigned it by hand), or
 *    its owner logged a contact (or moved its status on) since it was assigned.
 * 2. A retry of a move already written continues from it instead of moving the lead again.
 * 3. Done, with an entry in the history, when the rule's follow-up allows no more attempts.
 * 4. Move it on as the rule (of the routing version the lead was routed under) says: reassign
 *    to the next available rep of the same target — or, when nobody else is available, to the
 *    owner's manager — or escalate to the owner's manager.
 * 5. Write the new owner, the reason and the attempt, with its audit entry, conditioned on the
 *    version read (a contact logged meanwhile wins: the check runs again).
 */
export async function checkFollowUp(deps: LeadDeps, state: FollowUpState): Promise<FollowUpStep> {
  const done = (outcome: string): FollowUpStep => ({ ...state, next: 'done', outcome });
  const lead = await deps.store.get('lead', state.leadId);
  if (!lead || !isOpenLead(lead)) return done('the lead is gone or closed');
  const routing = lead.routing as LeadRoutingOutcome | undefined;
  const movedByUs = routing?.by === 'follow-up' || routing?.by === 'escalation';
  if (movedByUs && routing?.attempt === state.attempt + 1 && typeof lead.ownerId === 'string') {
    return continueWith(state, lead.ownerId, routing);
  }
  if (lead.ownerId !== state.ownerId) return done('someone else owns the lead now');
  if (contacted(lead, state)) return done('the owner contacted the lead');
  if (!state.routing || state.routing.ruleIndex === null) return done('no follow-up rule');

  const version = await routingVersion(deps, state.routing.documentId, state.routing.version);
  const rule = version.content.rules[state.routing.ruleIndex];
  const followUp = rule?.followUp;
  if (!rule || !followUp) return done('no follow-up rule');
  const at = deps.now();
  const directory = leadDirectory(deps, 'take');
  const owner = await directory.user(state.ownerId);
  const ownerName = owner?.name ?? state.ownerId;
  const window = `No contact logged by ${ownerName} within ${hours(followUp.afterHours)}`;
  if (state.attempt >= followUp.maxAttempts) {
    const key = `follow-up-limit:${state.attempt}`;
    if (!(await hasEvent(deps.store, lead.id, key)))
      await appendLeadEvent(deps.store, lead, {
        key,
        at: at.toISOString(),
        action: 'follow-up-limit-reached',
        summary: `${window}; the follow-up limit of ${followUp.maxAttempts} is reached, so the lead stays with ${ownerName}`,
      });
    return done('follow-up limit reached');
  }

  let next: RoutingUser | undefined;
  let how = '';
  let kind: 'reassigned' | 'escalated' = 'reassigned';
  if (followUp.action === 'reassign') {
    const outcome = await resolveTarget(directory, rule.assignTo, at, new Set(state.tried));
    next = outcome.assignee;
    how = `reassigned: ${outcome.how}`;
  }
  if (!next) {
    const manager = owner?.managerId ? await directory.user(owner.managerId) : undefined;
    const available = manager?.active && !isAway(manager, at) && manager.id !== state.ownerId;
    if (available) {
      next = manager;
      kind = 'escalated';
      how = `${followUp.action === 'reassign' ? `${how}; ` : ''}escalated to ${ownerName}'s manager ${manager.name}`;
    } else if (followUp.action === 'escalate' || !how) {
      how = `${ownerName} has no available manager to escalate to`;
    }
  }
  const attempt = `attempt ${state.attempt + 1} of ${followUp.maxAttempts}`;
  if (!next) {
    const key = `follow-up-stuck:${state.attempt}`;
    if (!(await hasEvent(deps.store, lead.id, key)))
      await appendLeadEvent(deps.store, lead, {
        key,
        at: at.toISOString(),
        action: 'follow-up-stuck',
        summary: `${window}; ${how}: the lead stays with ${ownerName} (${attempt})`,
      });
    return done('nobody to move the lead to');
  }
  const summary = `${window}: ${how} (${attempt})`;
  const newOwner = next;
  const moved = await withRetries(
    async () => {
      const current = await deps.store.get('lead', state.leadId);
      if (!current || !isOpenLead(current) || current.ownerId !== state.ownerId || contacted(current, state))
        return undefined;
      const outcome: LeadRoutingOutcome = {
        ...(current.routing as LeadRoutingOutcome),
        target: kind === 'escalated' ? `user ${newOwner.name}` : (routing?.target ?? `user ${newOwner.name}`),
        explanation: summary,
        assignedAt: at.toISOString(),
        attempt: state.attempt + 1,
        by: kind === 'escalated' ? 'escalation' : 'follow-up',
      };
      const updated: StoredRecord = {
        ...current,
        ownerId: newOwner.id,
        routing: outcome,
        version: current.version + 1,
        updatedAt: at.toISOString(),
        updatedBy: LEAD_FLOW_ACTOR.id,
      };
      await deps.store.replace(RECORD_TYPES.lead, current, updated, {
        id: ulid(at.getTime()),
        recordType: 'lead',
        recordId: current.id,
        version: updated.version,
        action: kind === 'escalated' ? 'escalated' : 'reassigned',
        at: at.toISOString(),
        actor: LEAD_FLOW_ACTOR,
        channel: 'workflow',
        changes: diff(businessFields(current), businessFields(updated)),
        summary,
      });
      return outcome;
    },
    (error) => error instanceof TransactionConflictError || error instanceof VersionConflictError,
  );
  if (!moved) return checkFollowUp(deps, state);
  return continueWith(state, newOwner.id, moved);
}

function contacted(lead: StoredRecord, state: FollowUpState): boolean {
  if (lead.status !== 'new') return true;
  const last = typeof lead.lastContactAt === 'string' ? Date.parse(lead.lastContactAt) : Number.NaN;
  return last >= Date.parse(state.assignedAt);
}

function continueWith(state: FollowUpState, ownerId: string, routing: LeadRoutingOutcome): FollowUpStep {
  return {
    ...state,
    ownerId,
    attempt: routing.attempt,
    assignedAt: routing.assignedAt,
    tried: state.tried.includes(ownerId) ? state.tried : [...state.tried, ownerId],
    kind: routing.by === 'escalation' ? 'escalated' : 'reassigned',
    next: 'notify',
    outcome: routing.explanation,
  };
}
