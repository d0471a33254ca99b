/**
 * Plans a quote's approval: which policy applies, which of its steps the quote enters and why,
 * and who exactly is asked at each step and why — with delegates resolved and unresolvable
 * approvers replaced by the policy's fallback. Pure: records come through the Directory port.
 * The dry run answers with this plan, and the real run executes the same plan, so the two
 * cannot disagree.
 */
import type { ApprovalPolicy, Approver } from '#schemas/admin/approval-policy';
import { type EvaluateOptions, evaluate, type Facts } from '../../admin/domain/evaluate-condition.ts';
import type { Directory, DirectoryUser } from '../ports.ts';

export interface PlannedApprover {
  userId: string;
  name: string;
  email: string;
  phone?: string;
  smsOptOut?: boolean;
  /** Why this person is asked: "manager of Ana (level 1)", "role finance", "fallback: …". */
  reason: string;
  /** When a delegate stands in: whom they act for. */
  onBehalfOf?: { userId: string; name: string };
}

export interface PlannedStep {
  index: number;
  name: string;
  applies: boolean;
  /** Why the step applies or not, from its entry condition. */
  why: string[];
  mode: ApprovalPolicy['steps'][number]['mode'];
  /** How many approvals settle the step. */
  required: number;
  timeout?: ApprovalPolicy['steps'][number]['timeout'];
  approvers: PlannedApprover[];
  /** Approvers that could not be resolved, and why (the fallback was asked instead). */
  unresolved: string[];
}

export interface ApprovalPlan {
  policy: { id: string; version: number; name: string; why: string[] } | null;
  steps: PlannedStep[];
  /** The quote needs no approval: no active policy applies, or none of its steps do. */
  autoApproved: boolean;
  facts: Facts;
}

export interface QuoteForApproval {
  id: string;
  totals: { discountPercent: number; total: number; net: number; marginPercent?: number };
  currency: string;
  lines: { family?: string; sku?: string; listPriceKnown?: false; discountPercent: number }[];
}

export interface ActivePolicy {
  id: string;
  version: number;
  content: ApprovalPolicy;
}

export class PlanningError extends Error {
  override name = 'PlanningError';
}

/**
 * The facts a policy may test, from a quote and its account. What the quote does not tell is left
 * out, never guessed: a line without a catalogue list price in the quote's currency (free text, or
 * a product priced in another currency) makes the discounts unknown — not 0 % — and a line without
 * a cost makes the margin unknown. `hasCustomLines` and `marginKnown` say so as facts of their own.
 */
export function quoteFacts(quote: QuoteForApproval, account?: { tier?: string; country?: string }): Facts {
  const hasCustomLines = quote.lines.some((l) => l.sku === undefined || l.listPriceKnown === false);
  const marginKnown = quote.totals.marginPercent !== undefined;
  return {
    ...(hasCustomLines
      ? {}
      : {
          discountPercent: quote.totals.discountPercent,
          maxLineDiscountPercent: Math.max(0, ...quote.lines.map((l) => l.discountPercent)),
        }),
    hasCustomLines,
    marginKnown,
    total: quote.totals.total,
    net: quote.totals.net,
    ...(marginKnown ? { marginPercent: quote.totals.marginPercent } : {}),
    currency: quote.currency,
    productFamilies: [...new Set(quote.lines.flatMap((l) => (l.family ? [l.family] : [])))],
    ...(account?.tier ? { accountTier: account.tier } : {}),
    ...(account?.country ? { accountCountry: account.country } : {}),
    lineCount: quote.lines.length,
  };
}

/** How a policy reads a condition on a fact the quote does not have: ask (the default) or skip. */
const readingOf = (policy: ApprovalPolicy): EvaluateOptions =>
  policy.whenUnknown === 'skip' ? {} : { unknown: 'match' };

/** Among active policies that apply to the facts, the one with the lowest priority number (ties: oldest). */
export function choosePolicy(
  policies: ActivePolicy[],
  facts: Facts,
): { policy: ActivePolicy; why: string[] } | undefined {
  const applicable = policies
    .map((policy) => ({
      policy,
      evaluation: evaluate(policy.content.appliesWhen, facts, readingOf(policy.content)),
    }))
    .filter(({ evaluation }) => evaluation.matched)
    .sort(
      (a, b) =>
        a.policy.content.priority - b.policy.content.priority || a.policy.id.localeCompare(b.policy.id),
    );
  const chosen = applicable[0];
  return chosen ? { policy: chosen.policy, why: chosen.evaluation.reasons } : undefined;
}

/**
 * Who may never approve a quote: the staff user who submits it and its owner — whoever would
 * actually answer (after delegation, fallback, escalation), at plan time and at every ask.
 */
export function cannotApprove(run: {
  requesterId?: string | undefined;
  submittedBy?: { userId: string };
}): Set<string> {
  return new Set([run.requesterId, run.submittedBy?.userId].filter((id): id is string => Boolean(id)));
}

const isAway = (user: DirectoryUser, at: Date) =>
  user.outOfOffice !== undefined &&
  Date.parse(user.outOfOffice.from) <= at.getTime() &&
  at.getTime() < Date.parse(user.outOfOffice.until);

export async function planApproval(
  directory: Directory,
  input: {
    quote: QuoteForApproval;
    account?: { tier?: string; country?: string };
    /** Whose approval chain the quote follows (its owner, else the submitting user). */
    submitterId: string;
    /** Further people who may not approve it: the submitting user when the owner is someone else. */
    ineligible?: string[];
    policies: ActivePolicy[];
    at: Date;
  },
): Promise<ApprovalPlan> {
  const facts = quoteFacts(input.quote, input.account);
  const chosen = choosePolicy(input.policies, facts);
  if (!chosen) return { policy: null, steps: [], autoApproved: true, facts };
  const { policy } = chosen;
  const submitter = await directory.user(input.submitterId);
  const excluded = new Set([input.submitterId, ...(input.ineligible ?? [])]);

  const steps: PlannedStep[] = [];
  for (const [index, step] of policy.content.steps.entries()) {
    const entry = evaluate(step.when, facts, readingOf(policy.content));
    const base = {
      index,
      name: step.name,
      applies: entry.matched,
      why: entry.reasons,
      mode: step.mode,
      ...(step.timeout ? { timeout: step.timeout } : {}),
    };
    if (!entry.matched) {
      steps.push({ ...base, required: 0, approvers: [], unresolved: [] });
      continue;
    }
    const { approvers, unresolved } = await resolveStep(
      directory,
      step.approvers,
      submitter,
      excluded,
      input.at,
    );
    if (approvers.length === 0) {
      const fallback = await resolveFallback(
        directory,
        policy.content.fallbackApproverId,
        excluded,
        input.at,
        unresolved,
      );
      approvers.push(fallback);
    }
    steps.push({ ...base, required: requiredApprovals(step.mode, approvers.length), approvers, unresolved });
  }
  return {
    policy: { id: policy.id, version: policy.version, name: policy.content.name, why: chosen.why },
    steps,
    autoApproved: steps.every((s) => !s.applies),
    facts,
  };
}

/** How many approvals settle a step of this mode with this many approvers. */
export function requiredApprovals(mode: PlannedStep['mode'], approvers: number): number {
  return mode.type === 'any' ? 1 : mode.type === 'all' ? approvers : Math.min(mode.count, approvers);
}

/**
 * Who answers for a user at a moment: the user, or their delegate while they are out of office
 * (on their behalf) — or why nobody can (inactive, away with no available delegate). Planning
 * uses it, and so does the running flow when it asks (an absence may have begun since) and when
 * it escalates.
 */
export async function whoAnswersFor(
  directory: Directory,
  user: DirectoryUser,
  reason: string,
  at: Date,
): Promise<{ asked: PlannedApprover } | { unresolved: string }> {
  if (!user.active) return { unresolved: `${user.name} (${reason}) is inactive` };
  if (!isAway(user, at)) return { asked: toPlanned(user, reason) };
  const delegate = user.outOfOffice?.delegateId
    ? await directory.user(user.outOfOffice.delegateId)
    : undefined;
  if (!delegate?.active || isAway(delegate, at)) {
    return {
      unresolved: `${user.name} (${reason}) is out of office until ${user.outOfOffice?.until} with no available delegate`,
    };
  }
  return {
    asked: {
      ...toPlanned(delegate, `delegate of ${user.name}, who is out of office (${reason})`),
      onBehalfOf: { userId: user.id, name: user.name },
    },
  };
}

async function resolveStep(
  directory: Directory,
  refs: Approver[],
  submitter: DirectoryUser | undefined,
  excluded: Set<string>,
  at: Date,
) {
  const approvers: PlannedApprover[] = [];
  const unresolved: string[] = [];
  const add = async (user: DirectoryUser, reason: string) => {
    if (excluded.has(user.id)) {
      unresolved.push(`${user.name} (${reason}) submitted or owns the quote and cannot approve it`);
      return;
    }
    const answer = await whoAnswersFor(directory, user, reason, at);
    if ('unresolved' in answer) {
      unresolved.push(answer.unresolved);
      return;
    }
    const { asked } = answer;
    if (excluded.has(asked.userId)) {
      unresolved.push(
        `${asked.name} would answer for ${user.name} (${reason}) but submitted or owns the quote and cannot approve it`,
      );
      return;
    }
    if (!approvers.some((a) => a.userId === asked.userId)) approvers.push(asked);
  };

  for (const ref of refs) {
    switch (ref.type) {
      case 'user': {
        const user = await directory.user(ref.userId);
        if (user) await add(user, 'named approver');
        else unresolved.push(`user ${ref.userId} does not exist`);
        break;
      }
      case 'role': {
        const users = (await directory.usersWithRole(ref.role)).filter((u) => u.active);
        if (users.length === 0) unresolved.push(`nobody active has the role ${ref.role}`);
        for (const user of users) await add(user, `role ${ref.role}`);
        break;
      }
      case 'manager': {
        let current = submitter;
        for (let level = 1; level <= ref.level && current; level++) {
          current = current.managerId ? await directory.user(current.managerId) : undefined;
        }
        if (current)
          await add(current, `manager of ${submitter?.name ?? 'the submitter'} (level ${ref.level})`);
        else unresolved.push(`${submitter?.name ?? 'the submitter'} has no manager at level ${ref.level}`);
        break;
      }
      case 'queue': {
        const queue = await directory.queueMembers(ref.queueId);
        if (!queue || queue.memberIds.length === 0) {
          unresolved.push(`queue ${queue?.name ?? ref.queueId} has no members`);
          break;
        }
        for (const id of queue.memberIds) {
          const user = await directory.user(id);
          if (user) await add(user, `member of queue ${queue.name}`);
        }
        break;
      }
    }
  }
  return { approvers, unresolved };
}

async function resolveFallback(
  directory: Directory,
  fallbackId: string,
  excluded: Set<string>,
  at: Date,
  unresolved: string[],
): Promise<PlannedApprover> {
  const fallback = await directory.user(fallbackId);
  if (!fallback?.active || excluded.has(fallback.id)) {
    const why = !fallback
      ? 'missing'
      : !fallback.active
        ? 'inactive'
        : `${fallback.name}, who submitted or owns it`;
    throw new PlanningError(
      `Nobody can approve this quote: ${unresolved.join('; ')}; and the fallback approver is ${why}.`,
    );
  }
  const reason = `fallback: ${unresolved.join('; ') || 'no approver resolved'}`;
  if (isAway(fallback, at) && fallback.outOfOffice?.delegateId) {
    const delegate = await directory.user(fallback.outOfOffice.delegateId);
    if (delegate?.active && !excluded.has(delegate.id))
      return {
        ...toPlanned(delegate, `delegate of ${fallback.name}, ${reason}`),
        onBehalfOf: { userId: fallback.id, name: fallback.name },
      };
  }
  return toPlanned(fallback, reason);
}

const toPlanned = (user: DirectoryUser, reason: string): PlannedApprover => ({
  userId: user.id,
  name: user.name,
  email: user.email,
  ...(user.phone ? { phone: user.phone } : {}),
  ...(user.smsOptOut ? { smsOptOut: true } : {}),
  reason,
});
