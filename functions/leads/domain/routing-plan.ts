/**
 * Decides who gets a lead, and says why in words a person can check. Pure over the
 * RoutingDirectory port: the real intake takes round-robin tickets through it, the dry run only
 * peeks at them, and both run this same code — so a dry run answers what the next real run does.
 *
 * 1. Score the lead (scoring rules) and add the score to its facts.
 * 2. Take the first routing rule whose condition holds; none → the fallback queue.
 * 3. Resolve the rule's target to candidate reps: the user, the queue's members (in the queue's
 *    order) or the active sales users of the territory.
 * 4. Drop those who cannot take it now: gone, inactive, out of office, at capacity, or already
 *    tried by this lead's follow-up.
 * 5. Pick by the strategy: round-robin (the n-th ticket of the target to the (n mod available)-th
 *    rep) or least-loaded (fewest open leads; ties by round-robin ticket).
 * 6. Nobody available → the fallback queue, the same way; nobody there either → the lead waits in
 *    the fallback queue, unassigned.
 */
import type { LeadRouting, RoutingRule, RoutingTarget } from '#schemas/admin/lead-routing';
import { evaluate, type Facts } from '../../admin/domain/evaluate-condition.ts';
import { type LeadScore, scoreLead } from './lead-scoring.ts';

export interface RoutingUser {
  id: string;
  name: string;
  email: string;
  phone?: string;
  role: string;
  managerId?: string;
  territory?: string;
  capacity?: number;
  active: boolean;
  smsOptOut?: boolean;
  outOfOffice?: { from: string; until: string; delegateId?: string };
}

export interface RoutingQueue {
  id: string;
  name: string;
  memberIds: string[];
  strategy: 'round-robin' | 'least-loaded';
}

/** What routing looks up. `ticket` takes a turn in the real run and only peeks in a dry run. */
export interface RoutingDirectory {
  user(id: string): Promise<RoutingUser | undefined>;
  /** Several users at once (one read), for a queue's or territory's candidates. */
  users(ids: readonly string[]): Promise<Map<string, RoutingUser>>;
  queue(id: string): Promise<RoutingQueue | undefined>;
  /** Active sales users whose territory is this one, in a stable order. */
  territoryReps(territory: string): Promise<RoutingUser[]>;
  openLeads(userId: string): Promise<number>;
  ticket(counter: string): Promise<number>;
}

export interface Candidate {
  userId: string;
  name: string;
  available: boolean;
  /** Why not, when not available; the load when it was counted. */
  note?: string;
  openLeads?: number;
}

export interface TargetOutcome {
  /** "queue Inbound EMEA", "territory EMEA", "user Ana Seller". */
  target: string;
  strategy?: 'round-robin' | 'least-loaded';
  queueId?: string;
  candidates: Candidate[];
  assignee?: RoutingUser;
  /** How the assignee was picked, e.g. "round-robin in queue EMEA → Ana Seller". */
  how: string;
}

export interface RoutingPlan {
  score: LeadScore;
  hot: boolean;
  rule: { index: number; name: string; why: string[] } | null;
  /** The rule's target, then the fallback queue when it was needed. */
  tried: TargetOutcome[];
  fallbackUsed: boolean;
  assignee?: RoutingUser;
  queueId?: string;
  followUp?: RoutingRule['followUp'];
  explanation: string;
}

export interface PlanInput {
  facts: Facts;
  routing: LeadRouting;
  at: Date;
  /** Reps who may not get it (a follow-up moving the lead on). */
  exclude?: readonly string[];
}

export function isAway(user: RoutingUser, at: Date): boolean {
  return (
    user.outOfOffice !== undefined &&
    Date.parse(user.outOfOffice.from) <= at.getTime() &&
    at.getTime() < Date.parse(user.outOfOffice.until)
  );
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** Who among the candidates can take a lead now, and why not for the others. */
async function assess(
  directory: RoutingDirectory,
  ids: readonly string[],
  at: Date,
  exclude: ReadonlySet<string>,
  needLoad: boolean,
): Promise<{ candidates: Candidate[]; users: Map<string, RoutingUser> }> {
  const users = await directory.users(ids);
  const candidates = await Promise.all(
    ids.map(async (id): Promise<Candidate> => {
      const user = users.get(id);
      if (!user) return { userId: id, name: id, available: false, note: 'no longer exists' };
      const base = { userId: id, name: user.name };
      if (!user.active) return { ...base, available: false, note: 'inactive' };
      if (exclude.has(id)) return { ...base, available: false, note: 'already had this lead' };
      if (isAway(user, at))
        return {
          ...base,
          available: false,
          note: `out of office until ${day((user.outOfOffice as { until: string }).until)}`,
        };
      if (user.capacity === undefined && !needLoad) return { ...base, available: true };
      const open = await directory.openLeads(id);
      if (user.capacity !== undefined && open >= user.capacity)
        return {
          ...base,
          available: false,
          note: `at capacity (${open}/${user.capacity} open leads)`,
          openLeads: open,
        };
      return { ...base, available: true, openLeads: open };
    }),
  );
  return { candidates, users };
}

function skippedNote(candidates: Candidate[]): string {
  const skipped = candidates.filter((c) => !c.available);
  return skipped.length ? `; skipped ${skipped.map((c) => `${c.name} (${c.note})`).join(', ')}` : '';
}

async function pick(
  directory: RoutingDirectory,
  label: string,
  counter: string,
  strategy: 'round-robin' | 'least-loaded',
  ids: readonly string[],
  at: Date,
  exclude: ReadonlySet<string>,
): Promise<TargetOutcome> {
  const { candidates, users } = await assess(directory, ids, at, exclude, strategy === 'least-loaded');
  const available = candidates.filter((c) => c.available);
  const base = { target: label, strategy, candidates };
  if (available.length === 0) {
    const why =
      candidates.length === 0 ? 'has nobody in it' : `has nobody available${skippedNote(candidates)}`;
    return { ...base, how: `${label} ${why}` };
  }
  let pool = available;
  if (strategy === 'least-loaded') {
    const least = Math.min(...available.map((c) => c.openLeads ?? 0));
    pool = available.filter((c) => (c.openLeads ?? 0) === least);
  }
  // A ticket only when there is a choice: a lone candidate does not move the turn on.
  const chosen = (
    pool.length === 1 ? pool[0] : pool[(await directory.ticket(counter)) % pool.length]
  ) as Candidate;
  const loads =
    strategy === 'least-loaded'
      ? ` (${available.map((c) => `${c.name} ${c.openLeads ?? 0} open`).join(', ')})`
      : '';
  return {
    ...base,
    assignee: users.get(chosen.userId) as RoutingUser,
    how: `${strategy} in ${label}${loads} → ${chosen.name}${skippedNote(candidates)}`,
  };
}

/** The reps a target names, and who of them gets the lead now (a follow-up moving it on uses this too). */
export async function resolveTarget(
  directory: RoutingDirectory,
  target: RoutingTarget,
  at: Date,
  exclude: ReadonlySet<string>,
): Promise<TargetOutcome> {
  switch (target.type) {
    case 'user': {
      const { candidates, users } = await assess(directory, [target.userId], at, exclude, false);
      const candidate = candidates[0] as Candidate;
      const label = `user ${candidate.name}`;
      return candidate.available
        ? {
            target: label,
            candidates,
            assignee: users.get(target.userId) as RoutingUser,
            how: `assigned to ${candidate.name}`,
          }
        : { target: label, candidates, how: `${candidate.name} is not available (${candidate.note})` };
    }
    case 'queue': {
      const queue = await directory.queue(target.queueId);
      if (!queue)
        return {
          target: `queue ${target.queueId}`,
          candidates: [],
          how: `queue ${target.queueId} no longer exists`,
        };
      const outcome = await pick(
        directory,
        `queue ${queue.name}`,
        `queue#${queue.id}`,
        queue.strategy,
        queue.memberIds,
        at,
        exclude,
      );
      return { ...outcome, queueId: queue.id };
    }
    case 'territory': {
      const reps = await directory.territoryReps(target.territory);
      return pick(
        directory,
        `territory ${target.territory}`,
        `territory#${target.territory.toLowerCase()}`,
        target.strategy,
        reps.map((r) => r.id),
        at,
        exclude,
      );
    }
  }
}

export async function planRouting(directory: RoutingDirectory, input: PlanInput): Promise<RoutingPlan> {
  const { routing, at } = input;
  const exclude = new Set(input.exclude ?? []);
  const score = scoreLead(routing.scoring, input.facts);
  const facts = { ...input.facts, score: score.score };

  let rule: RoutingPlan['rule'] = null;
  let matched: RoutingRule | undefined;
  for (const [index, candidate] of routing.rules.entries()) {
    const result = evaluate(candidate.when, facts);
    if (result.matched) {
      rule = { index, name: candidate.name, why: result.reasons };
      matched = candidate;
      break;
    }
  }
  const hot = (matched?.hot ?? false) || (routing.hotScore !== undefined && score.score >= routing.hotScore);

  const tried: TargetOutcome[] = [];
  const parts: string[] = [rule ? `rule '${rule.name}' matched: ${rule.why.join(', ')}` : 'no rule matched'];
  if (matched) {
    const outcome = await resolveTarget(directory, matched.assignTo, at, exclude);
    tried.push(outcome);
    parts.push(outcome.how);
  }
  let final = tried[0];
  const usesFallback =
    !final?.assignee &&
    !(matched?.assignTo.type === 'queue' && matched.assignTo.queueId === routing.fallbackQueueId);
  if (usesFallback) {
    const fallback = await resolveTarget(
      directory,
      { type: 'queue', queueId: routing.fallbackQueueId },
      at,
      exclude,
    );
    tried.push(fallback);
    parts.push(`fallback: ${fallback.how}`);
    final = fallback;
  }
  // An assigned lead stays in the queue it was picked from (none for a user or a territory);
  // an unassigned one waits in the fallback queue.
  const queueId = final?.assignee ? final.queueId : routing.fallbackQueueId;
  if (!final?.assignee) parts.push(`left unassigned in the fallback queue`);
  return {
    score,
    hot,
    rule,
    tried,
    fallbackUsed: usesFallback,
    ...(final?.assignee ? { assignee: final.assignee } : {}),
    ...(queueId ? { queueId } : {}),
    // The rule's follow-up applies only to the reps the rule named, not to a fallback.
    ...(matched?.followUp && !usesFallback ? { followUp: matched.followUp } : {}),
    explanation: parts.join('; '),
  };
}
