/**
 * Takes a lead in, from the API or a web form, and gives it an owner.
 * 1. The fields arrive validated and normalised (trimmed, lower-case email, E.164 phone,
 *    upper-case country); owner and queue, when given, must exist.
 * 2. Dedupe: an open lead holding the same email or phone (its match key) takes the submission —
 *    merged into it or linked to it, as the routing's duplicate settings say — and the history
 *    of the lead says what came from where.
 * 3. Otherwise score and route it (routing-plan.ts), or give it to the owner of a contact with
 *    the same email or phone, and write it with its owner, score, explanation, audit entry and
 *    match keys in one transaction. Two submissions racing with one email: one transaction wins
 *    the key, the other meets it, goes back to step 2 and merges.
 * 4. Start its follow-up flow (notify the owner, then wait for a contact). Should that fail, the
 *    request fails and is safe to retry: the retry meets the lead in step 2 and starts the flow.
 */

import type { DuplicateSettings, LeadRouting } from '#schemas/admin/lead-routing';
import type { StoredRecord } from '#schemas/common';
import { type LeadRoutingOutcome, OPEN_LEAD_STATUSES } from '#schemas/records/lead';
import { AlongsideConditionFailedError, TransactionConflictError, VersionConflictError } from '#store/errors';
import type { MatchKind } from '#store/lead-routing-store';
import { diff, firstVersion } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource } from '../../records/ports.ts';
import {
  auditEntry,
  businessFields,
  resolveAndDerive,
  withRetries,
} from '../../records/use-cases/record-service.ts';
import { Contention } from '../../shared/errors.ts';
import { activeRouting, leadDirectory, type RoutingVersion } from '../adapters/lead-directory.ts';
import { type LeadScore, leadFacts, scoreLead } from '../domain/lead-scoring.ts';
import { isAway, planRouting, type RoutingPlan, type RoutingUser } from '../domain/routing-plan.ts';
import type { FollowUpState, LeadDeps } from '../ports.ts';
import { claimNewMatchKeys } from './lead-lifecycle.ts';

const leadType = RECORD_TYPES.lead;
const OPEN = new Set<string>(OPEN_LEAD_STATUSES);
export const isOpenLead = (lead: StoredRecord) => !lead.archived && OPEN.has(String(lead.status));

/** Where a submission came from, beyond the change source: the form and the submission's id. */
export interface IntakeOrigin {
  form?: { id: string; name: string; version: number };
  submissionId?: string;
}

export interface IntakeResult {
  outcome: 'created' | 'merged' | 'linked';
  lead: StoredRecord;
  /** The open lead the submission matched (merged into, or linked to), and on what. */
  duplicateOf?: { id: string; matchedOn: MatchKind };
}

export const DEFAULT_DUPLICATES: DuplicateSettings = {
  matchOn: ['email', 'phone'],
  leads: 'merge',
  contacts: 'link',
};

/** Fields a duplicate submission may bring to the lead it merges into. */
const MERGEABLE = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'company',
  'title',
  'country',
  'employees',
] as const;

/** Another submission with the same email or phone won the match key meanwhile. */
class DuplicateRace extends Error {
  override name = 'DuplicateRace';
}

const MAX_ROUNDS = 6;

export async function intakeLead(
  deps: LeadDeps,
  input: Record<string, unknown>,
  source: ChangeSource,
  origin: IntakeOrigin = {},
): Promise<IntakeResult> {
  const candidates = (['email', 'phone'] as const).flatMap((kind) =>
    typeof input[kind] === 'string' ? [{ kind, value: input[kind] as string }] : [],
  );
  // The references, the routing in force, who holds the lead's email and phone, and a contact
  // with them do not depend on each other: read at once.
  const [, routing, prefetched, anyContact] = await Promise.all([
    resolveAndDerive(deps, leadType, input),
    activeRouting(deps),
    findOpenDuplicate(deps, candidates),
    candidates.length > 0
      ? deps.leads.findContact(Object.fromEntries(candidates.map((k) => [k.kind, k.value])))
      : undefined,
  ]);
  const duplicates = routing?.content.duplicates ?? DEFAULT_DUPLICATES;
  const keys = candidates.filter((k) => duplicates.matchOn.includes(k.kind));
  const contact =
    duplicates.contacts === 'link' && anyContact && keys.some((k) => anyContact[k.kind] === k.value)
      ? anyContact
      : null;
  for (let round = 1; ; round++) {
    try {
      const found =
        round === 1 && keys.length === candidates.length ? prefetched : await findOpenDuplicate(deps, keys);
      if (found.holder) {
        const match = { id: found.holder.id, matchedOn: found.matchedOn as MatchKind };
        return duplicates.leads === 'merge'
          ? await mergeInto(deps, match, input, source, origin)
          : await linkTo(deps, found.holder, match, input, source, origin, routing);
      }
      return await createRouted(deps, input, source, origin, {
        routing,
        duplicates,
        keys,
        stale: found.stale,
        contact,
      });
    } catch (error) {
      if (!(error instanceof DuplicateRace || error instanceof TransactionConflictError)) throw error;
      if (round >= MAX_ROUNDS)
        throw new Contention(
          'Submissions for this person are arriving at the same moment; retry shortly.',
          1,
        );
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** round));
    }
  }
}

/** The open lead holding one of the keys, if any; and keys held by leads no longer open. */
export async function findOpenDuplicate(
  deps: LeadDeps,
  keys: { kind: MatchKind; value: string }[],
): Promise<{ holder?: StoredRecord; matchedOn?: MatchKind; stale: Map<MatchKind, string> }> {
  const stale = new Map<MatchKind, string>();
  const held = await Promise.all(
    keys.map(async (key) => {
      const id = await deps.leads.matchHolder(key.kind, key.value);
      return { key, id, lead: id ? await deps.store.get('lead', id) : undefined };
    }),
  );
  for (const { key, id, lead } of held) {
    if (!id) continue;
    const same =
      typeof lead?.[key.kind] === 'string' &&
      (lead[key.kind] as string).toLowerCase() === key.value.toLowerCase();
    if (lead && same && isOpenLead(lead)) return { holder: lead, matchedOn: key.kind, stale };
    stale.set(key.kind, id);
  }
  return { stale };
}

function newLeadFields(deps: LeadDeps, source: ChangeSource) {
  return { id: deps.newId(leadType.idPrefix), ...firstVersion(deps.now().toISOString(), source.actor.id) };
}

const scoreFields = (score: LeadScore | undefined, hot: boolean) =>
  score ? { score: score.score, scoreBreakdown: score.breakdown, hot } : {};

const fromWhere = (origin: IntakeOrigin) => (origin.form ? ` from web form '${origin.form.name}'` : '');

function auditContext(source: ChangeSource, origin: IntakeOrigin, extra: Record<string, unknown> = {}) {
  return {
    ...source.context,
    ...(origin.form ? { formId: origin.form.id, formVersion: origin.form.version } : {}),
    ...(origin.submissionId ? { submissionId: origin.submissionId } : {}),
    ...extra,
  };
}

/** The follow-up flow's first state for a lead, from the lead alone (so a retry starts the same flow). */
export function followUpStateOf(lead: StoredRecord): FollowUpState | undefined {
  const routing = lead.routing as LeadRoutingOutcome | undefined;
  if (typeof lead.ownerId !== 'string' || !routing) return undefined;
  return {
    leadId: lead.id,
    ownerId: lead.ownerId,
    attempt: routing.attempt,
    assignedAt: routing.assignedAt,
    hot: lead.hot === true,
    ...(routing.document
      ? {
          routing: {
            documentId: routing.document.id,
            version: routing.document.version,
            ruleIndex: routing.ruleIndex,
          },
        }
      : {}),
    followUpSeconds: Math.round((routing.followUpHours ?? 0) * 3600),
    tried: [lead.ownerId],
  };
}

async function startFollowUp(deps: LeadDeps, lead: StoredRecord): Promise<void> {
  const state = followUpStateOf(lead);
  if (state) await deps.followUp.start(state);
}

/** The owner of a matching contact, when they can take the lead now. */
async function contactOwner(
  deps: LeadDeps,
  contact: Record<string, unknown> | undefined,
  at: Date,
): Promise<RoutingUser | undefined> {
  if (typeof contact?.ownerId !== 'string') return undefined;
  const owner = await leadDirectory(deps, 'peek').user(contact.ownerId);
  return owner?.active && !isAway(owner, at) ? owner : undefined;
}

const contactName = (contact: Record<string, unknown>) =>
  [contact.firstName, contact.lastName].filter((part) => typeof part === 'string').join(' ');

/** Who gets a new lead and why: what intake writes and the dry run shows. */
export interface OwnerDecision {
  owner?: RoutingUser;
  queueId?: string;
  score?: LeadScore;
  hot: boolean;
  outcome?: LeadRoutingOutcome;
  contact?: Record<string, unknown>;
  /** The routing plan, when rules decided (absent when the caller or a contact did). */
  plan?: RoutingPlan;
}

/**
 * Decides the owner of a lead that is not a duplicate. In order: an owner the caller set; the
 * owner of a contact with the same email or phone (when the settings link contacts and that
 * owner is available); the routing rules — within the queue the caller set, if any. With
 * `tickets: 'peek'` it takes no round-robin turn: the dry run.
 */
export async function decideOwner(
  deps: LeadDeps,
  input: Record<string, unknown>,
  context: {
    routing: RoutingVersion | undefined;
    duplicates: DuplicateSettings;
    keys: { kind: MatchKind; value: string }[];
    /** A contact already looked up (null: none); looked up here when absent. */
    contact?: Record<string, unknown> | null;
    formId?: string;
    at: Date;
    tickets: 'take' | 'peek';
  },
): Promise<OwnerDecision> {
  const { routing, duplicates, keys, at } = context;
  const assignedAt = at.toISOString();
  const facts = leadFacts(input, context.formId);
  const contact =
    context.contact !== undefined
      ? (context.contact ?? undefined)
      : duplicates.contacts === 'link' && keys.length > 0
        ? await deps.leads.findContact(Object.fromEntries(keys.map((k) => [k.kind, k.value])))
        : undefined;
  const document = routing ? { id: routing.id, version: routing.version } : undefined;
  const found = contact ? { contact } : {};
  const viaContact = input.ownerId === undefined ? await contactOwner(deps, contact, at) : undefined;

  if (input.ownerId !== undefined || viaContact) {
    const score = routing ? scoreLead(routing.content.scoring, facts) : undefined;
    const hot =
      score !== undefined &&
      routing?.content.hotScore !== undefined &&
      score.score >= routing.content.hotScore;
    const owner = viaContact ?? (await leadDirectory(deps, 'peek').user(String(input.ownerId)));
    const name = owner?.name ?? String(input.ownerId);
    const matchedOn = keys.find((k) => contact?.[k.kind] === k.value)?.kind ?? 'email';
    return {
      ...found,
      ...(owner ? { owner } : {}),
      ...(typeof input.queueId === 'string' ? { queueId: input.queueId } : {}),
      ...(score ? { score } : {}),
      hot,
      outcome: {
        ...(document ? { document } : {}),
        rule: null,
        ruleIndex: null,
        target: `user ${name}`,
        explanation: viaContact
          ? `matched contact ${contactName(contact as Record<string, unknown>)} (${String(contact?.id)}) by ${matchedOn}: given to the contact's owner ${name}`
          : `owner ${name} set by the caller`,
        assignedAt,
        attempt: 0,
        by: viaContact ? 'contact' : 'caller',
      },
    };
  }
  // A queue named by the caller routes within that queue; without a routing document too.
  const queueId = typeof input.queueId === 'string' ? input.queueId : undefined;
  const content: LeadRouting | undefined = queueId
    ? {
        ...(routing?.content ?? {
          name: 'queue set by the caller',
          scoring: [],
          duplicates: DEFAULT_DUPLICATES,
        }),
        rules: [{ name: 'queue set by the caller', assignTo: { type: 'queue', queueId }, hot: false }],
        fallbackQueueId: queueId,
      }
    : routing?.content;
  if (!content) return { ...found, hot: false };
  const plan = await planRouting(leadDirectory(deps, context.tickets), { facts, routing: content, at });
  const last = plan.tried[plan.tried.length - 1];
  return {
    ...found,
    plan,
    ...(plan.assignee ? { owner: plan.assignee } : {}),
    ...(plan.queueId ? { queueId: plan.queueId } : {}),
    score: plan.score,
    hot: plan.hot,
    outcome: {
      ...(document ? { document } : {}),
      rule: plan.fallbackUsed ? null : (plan.rule?.name ?? null),
      ruleIndex: plan.fallbackUsed || queueId ? null : (plan.rule?.index ?? null),
      target: last?.target ?? 'nobody',
      ...(last?.strategy ? { strategy: last.strategy } : {}),
      explanation: plan.explanation,
      assignedAt,
      attempt: 0,
      ...(plan.followUp && plan.assignee ? { followUpHours: plan.followUp.afterHours } : {}),
      by: 'routing',
    },
  };
}

async function createRouted(
  deps: LeadDeps,
  input: Record<string, unknown>,
  source: ChangeSource,
  origin: IntakeOrigin,
  context: {
    routing: RoutingVersion | undefined;
    duplicates: DuplicateSettings;
    keys: { kind: MatchKind; value: string }[];
    stale: Map<MatchKind, string>;
    /** A contact with the lead's email or phone, already looked up (null: none). */
    contact: Record<string, unknown> | null;
  },
): Promise<IntakeResult> {
  const { keys, stale } = context;
  const { owner, queueId, score, hot, outcome, contact } = await decideOwner(deps, input, {
    routing: context.routing,
    duplicates: context.duplicates,
    keys,
    contact: context.contact,
    ...(origin.form ? { formId: origin.form.id } : {}),
    at: deps.now(),
    tickets: 'take',
  });
  const record: StoredRecord = {
    ...input,
    ...newLeadFields(deps, source),
    ...(owner ? { ownerId: owner.id } : {}),
    ...(queueId ? { queueId } : {}),
    ...scoreFields(score, hot),
    ...(outcome ? { routing: outcome } : {}),
    ...(contact ? { matchedContactId: String(contact.id) } : {}),
  };
  const summary = `Created${fromWhere(origin)}${outcome ? `; ${outcome.explanation}` : '; no lead routing is active'}`;
  const audit = auditEntry(
    deps,
    leadType,
    record,
    'create',
    diff({}, businessFields(record)),
    source,
    summary,
  );
  audit.context = auditContext(source, origin);
  try {
    await deps.store.create(
      leadType,
      record,
      audit,
      keys.map((k) => deps.leads.claimMatch(k.kind, k.value, record.id, stale.get(k.kind))),
    );
  } catch (error) {
    // A match key (written alongside the lead) was claimed by another lead meanwhile.
    if (error instanceof AlongsideConditionFailedError)
      throw new DuplicateRace('a lead with the same email or phone was created meanwhile');
    throw error;
  }
  await startFollowUp(deps, record);
  return { outcome: 'created', lead: record };
}

/**
 * Merges a duplicate submission into the open lead it matched: fields the lead lacks are filled,
 * fields it has keep their value (the history names what was submitted instead). Nothing is
 * re-routed; the owner stays.
 */
async function mergeInto(
  deps: LeadDeps,
  match: { id: string; matchedOn: MatchKind },
  input: Record<string, unknown>,
  source: ChangeSource,
  origin: IntakeOrigin,
): Promise<IntakeResult> {
  const merged = await withRetries(
    async () => {
      const current = await deps.store.get('lead', match.id);
      if (!current || !isOpenLead(current)) throw new DuplicateRace('the matched lead closed meanwhile');
      const fills: Record<string, unknown> = {};
      const kept: string[] = [];
      const submitted: Record<string, unknown> = {};
      for (const field of MERGEABLE) {
        const value = input[field];
        if (value === undefined) continue;
        submitted[field] = value;
        if (current[field] === undefined) fills[field] = value;
        else if (JSON.stringify(current[field]) !== JSON.stringify(value))
          kept.push(`${field} “${String(current[field])}” (submitted “${String(value)}”)`);
      }
      const filled = Object.keys(fills);
      const summary =
        `Merged a duplicate submission${fromWhere(origin)} (same ${match.matchedOn})` +
        `: ${filled.length ? `filled ${filled.join(', ')}` : 'nothing new to fill'}` +
        `${kept.length ? `; kept ${kept.join(', ')}` : ''}`;
      const context = auditContext(source, origin, {
        mergedFrom: {
          channel: source.channel,
          matchedOn: match.matchedOn,
          ...(origin.form ? { form: origin.form } : {}),
          submitted,
        },
      });
      if (filled.length === 0) {
        const entry = auditEntry(deps, leadType, current, 'merge', [], source, summary);
        entry.at = deps.now().toISOString();
        entry.context = context;
        await deps.store.appendHistory(leadType.name, entry);
        return current;
      }
      const next: StoredRecord = {
        ...current,
        ...fills,
        version: current.version + 1,
        updatedAt: deps.now().toISOString(),
        updatedBy: source.actor.id,
      };
      const changes = diff(businessFields(current), businessFields(next));
      const entry = auditEntry(deps, leadType, next, 'merge', changes, source, summary);
      entry.context = context;
      await deps.store.replace(leadType, current, next, entry);
      await claimNewMatchKeys(deps.leads, next, current);
      return next;
    },
    (error) => error instanceof TransactionConflictError || error instanceof VersionConflictError,
  );
  if (merged.routing && (merged.routing as LeadRoutingOutcome).attempt === 0)
    await startFollowUp(deps, merged);
  return { outcome: 'merged', lead: merged, duplicateOf: match };
}

/**
 * Creates a new lead linked to the open lead it duplicates, owned by that lead's owner (one
 * person, one rep), and notes the link in the original's history.
 */
async function linkTo(
  deps: LeadDeps,
  holder: StoredRecord,
  match: { id: string; matchedOn: MatchKind },
  input: Record<string, unknown>,
  source: ChangeSource,
  origin: IntakeOrigin,
  routing: RoutingVersion | undefined,
): Promise<IntakeResult> {
  const assignedAt = deps.now().toISOString();
  const score = routing ? scoreLead(routing.content.scoring, leadFacts(input, origin.form?.id)) : undefined;
  const hot =
    score !== undefined && routing?.content.hotScore !== undefined && score.score >= routing.content.hotScore;
  const owner =
    typeof holder.ownerId === 'string' ? await leadDirectory(deps, 'peek').user(holder.ownerId) : undefined;
  const explanation = `duplicate of lead ${holder.id} (same ${match.matchedOn})${
    owner ? `: given to its owner ${owner.name}` : ', which has no owner yet'
  }`;
  const record: StoredRecord = {
    ...input,
    ...newLeadFields(deps, source),
    ...(owner ? { ownerId: owner.id } : {}),
    ...(typeof holder.queueId === 'string' ? { queueId: holder.queueId } : {}),
    ...scoreFields(score, hot),
    routing: {
      ...(routing ? { document: { id: routing.id, version: routing.version } } : {}),
      rule: null,
      ruleIndex: null,
      target: owner ? `user ${owner.name}` : 'nobody',
      explanation,
      assignedAt,
      attempt: 0,
      by: 'duplicate',
    } satisfies LeadRoutingOutcome,
    duplicateOfId: holder.id,
  };
  const audit = auditEntry(
    deps,
    leadType,
    record,
    'create',
    diff({}, businessFields(record)),
    source,
    `Created${fromWhere(origin)}; ${explanation}`,
  );
  audit.context = auditContext(source, origin);
  await deps.store.create(leadType, record, audit);
  const note = auditEntry(
    deps,
    leadType,
    holder,
    'duplicate-linked',
    [],
    source,
    `Lead ${record.id} with the same ${match.matchedOn} arrived${fromWhere(origin)} and was linked to this one`,
  );
  note.at = assignedAt;
  note.context = auditContext(source, origin, { duplicateId: record.id });
  await deps.store.appendHistory(leadType.name, note);
  await startFollowUp(deps, record);
  return { outcome: 'linked', lead: record, duplicateOf: match };
}
