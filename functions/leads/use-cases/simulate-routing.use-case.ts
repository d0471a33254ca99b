import { type LeadRouting, SimulateRoutingRequest } from '#schemas/admin/lead-routing';
import { LeadInput } from '#schemas/records/lead';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { parseOrThrow } from '../../shared/errors.ts';
import { activeRouting, type RoutingVersion, routingVersion } from '../adapters/lead-directory.ts';
import type { TargetOutcome } from '../domain/routing-plan.ts';
import type { LeadDeps } from '../ports.ts';
import { DEFAULT_DUPLICATES, decideOwner, findOpenDuplicate } from './intake-lead.use-case.ts';

export interface RoutingSimulation {
  routing: { id: string; version: number; name: string } | null;
  /** The lead's fields as intake would store them (normalised). */
  lead: Record<string, unknown>;
  /** The open lead this one would be merged into or linked to, instead of being routed. */
  duplicate: { action: 'merge' | 'link'; leadId: string; matchedOn: string; ownerId?: string } | null;
  contact: { id: string; ownerId?: string } | null;
  score: number | null;
  scoreBreakdown: { rule: string; points: number; why: string[] }[];
  hot: boolean;
  rule: { index: number; name: string; why: string[] } | null;
  /** Each target tried, with every candidate and why they could or could not take it. */
  tried: (Omit<TargetOutcome, 'assignee'> & { assignee?: { id: string; name: string } })[];
  fallbackUsed: boolean;
  assignee: { id: string; name: string } | null;
  queueId: string | null;
  followUp: LeadRouting['rules'][number]['followUp'] | null;
  explanation: string;
}

/**
 * The routing dry run: what would happen to this lead if it arrived now — the duplicate it would
 * join, its score and why, the rule that would match and why, every candidate rep and why they
 * could or could not take it, and who would get it — without writing anything or taking a
 * round-robin turn. It runs the decision code intake runs, peeking at the turn intake would take,
 * so its answer is what the next real intake does (unless another lead takes the turn first).
 */
export async function simulateRouting(deps: LeadDeps, body: unknown): Promise<RoutingSimulation> {
  const request = parseOrThrow(SimulateRoutingRequest, body);
  let input: Record<string, unknown>;
  let self: string | undefined;
  if (request.leadId) {
    const existing = await loadRecord(deps, RECORD_TYPES.lead, request.leadId);
    input = RECORD_TYPES.lead.toInput(existing);
    delete input.ownerId;
    delete input.queueId;
    self = existing.id;
  } else {
    input = parseOrThrow(LeadInput, request.lead, 'body', ['lead']) as Record<string, unknown>;
  }
  let routing: RoutingVersion | undefined;
  if (request.routing) routing = await routingVersion(deps, request.routing.id, request.routing.version);
  else routing = await activeRouting(deps);
  const duplicates = routing?.content.duplicates ?? DEFAULT_DUPLICATES;
  const keys = duplicates.matchOn.flatMap((kind) =>
    typeof input[kind] === 'string' ? [{ kind, value: input[kind] as string }] : [],
  );
  const base = {
    routing: routing ? { id: routing.id, version: routing.version, name: routing.name } : null,
    lead: input,
  };
  const found = await findOpenDuplicate(deps, keys);
  if (found.holder && found.holder.id !== self) {
    const ownerId = typeof found.holder.ownerId === 'string' ? found.holder.ownerId : undefined;
    const action = duplicates.leads;
    return {
      ...base,
      duplicate: {
        action,
        leadId: found.holder.id,
        matchedOn: String(found.matchedOn),
        ...(ownerId ? { ownerId } : {}),
      },
      contact: null,
      score: null,
      scoreBreakdown: [],
      hot: false,
      rule: null,
      tried: [],
      fallbackUsed: false,
      assignee: null,
      queueId: null,
      followUp: null,
      explanation:
        action === 'merge'
          ? `same ${found.matchedOn} as open lead ${found.holder.id}: merged into it, which keeps its owner`
          : `same ${found.matchedOn} as open lead ${found.holder.id}: a new lead linked to it, given to its owner`,
    };
  }
  const decision = await decideOwner(deps, input, {
    routing,
    duplicates,
    keys,
    at: request.at ? new Date(request.at) : deps.now(),
    tickets: 'peek',
  });
  const contact = decision.contact;
  return {
    ...base,
    duplicate: null,
    contact: contact
      ? {
          id: String(contact.id),
          ...(typeof contact.ownerId === 'string' ? { ownerId: contact.ownerId } : {}),
        }
      : null,
    score: decision.score?.score ?? null,
    scoreBreakdown: decision.score?.breakdown ?? [],
    hot: decision.hot,
    rule: decision.plan?.rule ?? null,
    tried: (decision.plan?.tried ?? []).map(({ assignee, ...outcome }) => ({
      ...outcome,
      ...(assignee ? { assignee: { id: assignee.id, name: assignee.name } } : {}),
    })),
    fallbackUsed: decision.plan?.fallbackUsed ?? false,
    assignee: decision.owner ? { id: decision.owner.id, name: decision.owner.name } : null,
    queueId: decision.queueId ?? null,
    followUp: decision.plan?.followUp ?? null,
    explanation: decision.outcome?.explanation ?? 'no lead routing is active: the lead would stay unassigned',
  };
}
