/**
 * Asking one approver: a request (a fresh link, and an SMS reply code when they get texts), the
 * email, the SMS, and an entry in the quote's history per message, each sent once however often
 * the task is retried. Used for the first ask, for reminders, renewed links and escalations alike.
 */
import type { ApprovalRequest } from '#schemas/approval';
import { AlongsideConflictError, type ApprovalRun, type ApprovalStep } from '#store/approval-store';
import type { OutboxEntry } from '#store/message-outbox';
import { deliverRecorded, type Messages } from '../../shared/deliver-once.ts';
import { cannotApprove } from '../domain/approval-plan.ts';
import { MAX_LINK_HOURS } from '../domain/step-timer.ts';
import type { DirectoryUser, FlowDeps } from '../ports.ts';
import { type AskKind, type EarlierDecision, requestEmail, requestSms } from '../views/approval-messages.ts';
import type { QuoteSummary } from '../views/approval-page.ts';
import { appendFlowHistory, decisionsUpTo, type FlowRequest, quoteSummary } from './approval-flow.ts';

/** Everything about the run a message needs, read once per task invocation. */
export interface AskContext {
  run: ApprovalRun;
  step: ApprovalStep;
  /** The step's number and the count among the steps the quote enters (skipped ones do not count). */
  stepNumber: number;
  stepCount: number;
  quote: { id: string; version: number };
  summary: QuoteSummary;
  earlier: EarlierDecision[];
}

export async function askContext(deps: FlowDeps, run: ApprovalRun, step: ApprovalStep): Promise<AskContext> {
  const { quote, summary } = await quoteSummary(deps.records, run);
  const steps = await deps.approvals.steps(run.id);
  const entered = steps.filter((s) => s.status !== 'skipped');
  return {
    run,
    step,
    stepNumber: entered.filter((s) => s.index <= step.index).length,
    stepCount: entered.length,
    quote: { id: quote.id, version: quote.version },
    summary,
    earlier: decisionsUpTo(steps, step.index),
  };
}

/** Whom to ask, and why. */
export interface AskTarget {
  user: DirectoryUser;
  reason: string;
  onBehalfOf?: { userId: string; name: string };
}

const ACTIONS: Record<AskKind, string> = {
  request: 'approval-requested',
  reminder: 'approval-reminder-sent',
  escalation: 'approval-escalated',
  renewal: 'approval-link-renewed',
};

const WHAT: Record<AskKind, string> = {
  request: 'Approval requested from',
  reminder: 'Reminder sent to',
  escalation: 'Approval escalated to',
  renewal: 'New approval link sent to',
};

/**
 * The outbox key of one ask: a replacement is named by the request it replaces, a first ask by
 * the step, the round and whom it is for. A retried task computes the same key, finds what the
 * first attempt recorded and carries on from there: the same link, the same reply code, to the
 * same person, with only the unsent channels sent.
 */
function askKey(
  run: ApprovalRun,
  step: ApprovalStep,
  target: AskTarget,
  extra: { round: number; replaces?: string },
) {
  if (extra.replaces) return `approval-ask#${extra.replaces}`;
  return `approval-ask#${run.id}#${step.index}#${extra.round}#${target.onBehalfOf?.userId ?? target.user.id}`;
}

/**
 * 1. Store the request and, in the same transaction, the outbox entry with its email and SMS
 *    (../shared/deliver-once.ts): its link (stored hashed) expires after the policy's link validity
 *    (72 h at most); a reply code is claimed when the approver gets texts (a mobile number, not
 *    opted out). A retry finds this entry and resumes it instead of asking anew.
 * 2. Deliver each channel at most once: the email (the quote, why this person is asked, earlier
 *    decisions, Approve and Reject buttons), then the SMS, Transactional, with the link and the
 *    reply code. A number that opted out at the carrier gets nothing, and the history says so.
 * 3. One history entry per message, as soon as its outcome is known (keyed, so never doubled).
 * 4. Note on the request that it went out, and through which channels. A channel that failed
 *    fails the task after the others went out; the retry sends only that channel.
 */
export async function askApprover(
  deps: FlowDeps,
  ctx: AskContext,
  target: AskTarget,
  kind: AskKind,
  extra: { round: number; replaces?: string; reminder?: number },
): Promise<FlowRequest> {
  const { run, step } = ctx;
  const key = askKey(run, step, target, extra);
  const resumed = await resumeAsk(deps, run, step, key);
  if (!resumed) refuseIneligible(run, target.user.id);
  const { request, entry } = resumed ?? (await newAsk(deps, ctx, target, kind, extra, key));
  refuseIneligible(run, request.approverId);

  // What the first attempt sent, should this retry have chosen otherwise (an escalation target gone).
  const sentKind = (entry.ref.kind as AskKind | undefined) ?? kind;
  const who = `${request.approverName}${request.onBehalfOf ? ` on behalf of ${request.onBehalfOf.name}` : ''}`;
  const about = `step ${ctx.stepNumber} “${step.name}”: ${request.reason}`;
  const context = {
    approvalId: run.id,
    stepIndex: step.index,
    approverId: request.approverId,
    ...(request.onBehalfOf ? { onBehalfOf: request.onBehalfOf.userId } : {}),
    expiresAt: request.expiresAt,
  };
  const channelName = { email: 'email', sms: 'SMS' } as const;
  const delivered = await deliverRecorded(deps, entry, (channel, outcome) =>
    appendFlowHistory(deps.records, ctx.quote, {
      key: `${request.linkHash}#${channel}`,
      at: request.createdAt,
      action: outcome.status === 'skipped' ? 'sms-not-sent' : ACTIONS[sentKind],
      channel,
      summary:
        outcome.status === 'sent'
          ? `${WHAT[sentKind]} ${who} by ${channelName[channel]} (${about})`
          : outcome.status === 'skipped'
            ? `No SMS to ${who}: the number opted out of texts; the email went out`
            : `${WHAT[sentKind]} ${who} by ${channelName[channel]}, unconfirmed: an attempt stopped while handing it over, and it is not sent twice (${about})`,
      context,
    }),
  );

  const channels = (['email', 'sms'] as const).filter((c) => {
    const status = delivered[c]?.status;
    return status === 'sent' || status === 'unconfirmed';
  });
  const sentAt = deps.now().toISOString();
  await deps.approvals.markRequestSent(request, { sentAt, channels });
  return { ...request, sentAt, channels };
}

/** The last line of defence: every way of choosing whom to ask already leaves these people out. */
function refuseIneligible(run: ApprovalRun, userId: string): void {
  if (cannotApprove(run).has(userId))
    throw new Error(`${userId} submitted or owns quote ${run.quoteId} and may not be asked to approve it`);
}

/** The request and outbox entry an earlier attempt recorded under this key, if any. */
async function resumeAsk(deps: FlowDeps, run: ApprovalRun, step: ApprovalStep, key: string) {
  const entry = await deps.outbox.find(key);
  const linkHash = entry?.ref.linkHash;
  if (!entry || !linkHash) return undefined;
  const request = (await deps.approvals.request(run.id, step.index, linkHash)) as FlowRequest | undefined;
  if (!request) throw new Error(`outbox entry ${key} names request ${linkHash}, which is missing`);
  return { request, entry };
}

async function newAsk(
  deps: FlowDeps,
  ctx: AskContext,
  target: AskTarget,
  kind: AskKind,
  extra: { round: number; replaces?: string; reminder?: number },
  key: string,
): Promise<{ request: FlowRequest; entry: OutboxEntry }> {
  const { run, step, summary } = ctx;
  const now = deps.now();
  const hours = Math.min(run.linkValidityHours ?? MAX_LINK_HOURS, MAX_LINK_HOURS);
  const smsTo = target.user.phone && !target.user.smsOptOut ? target.user.phone : undefined;
  const fields: Omit<ApprovalRequest, 'linkHash' | 'nonce' | 'smsCode'> &
    Pick<FlowRequest, 'round' | 'replaces'> = {
    approvalId: run.id,
    quoteId: run.quoteId,
    stepIndex: step.index,
    stepName: step.name,
    approverId: target.user.id,
    approverName: target.user.name,
    ...(target.onBehalfOf ? { onBehalfOf: target.onBehalfOf } : {}),
    reason: target.reason,
    expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString(),
    status: 'open',
    createdAt: now.toISOString(),
    round: extra.round,
    ...(extra.replaces ? { replaces: extra.replaces } : {}),
  };
  const messages = (linkId: string, request: ApprovalRequest): Messages => {
    const link = `${deps.linkBaseUrl.replace(/\/+$/, '')}/approvals/${linkId}`;
    const email = requestEmail({
      kind,
      quote: summary,
      approverName: target.user.name,
      reason: target.reason,
      ...(target.onBehalfOf ? { onBehalfOf: target.onBehalfOf } : {}),
      step: {
        number: ctx.stepNumber,
        count: ctx.stepCount,
        name: step.name,
        why: [...(run.policyWhy ?? []), ...(step.why ?? [])],
      },
      earlier: ctx.earlier,
      link,
      expiresAt: request.expiresAt,
      ...(extra.reminder ? { reminder: extra.reminder } : {}),
    });
    return {
      email: { to: [target.user.email], ...email, tags: { flow: 'quote-approval', approval: run.id } },
      ...(smsTo
        ? {
            sms: {
              to: smsTo,
              body: requestSms({
                kind,
                quote: summary,
                link,
                ...(request.smsCode ? { code: request.smsCode } : {}),
              }),
              kind: 'Transactional' as const,
            },
          }
        : {}),
    };
  };
  try {
    const { request } = await deps.approvals.addRequest(fields, smsTo, (linkId, request) => [
      deps.outbox.intentItem(
        key,
        { ref: { linkHash: request.linkHash }, messages: messages(linkId, request) },
        now,
      ),
    ]);
    const entry = await deps.outbox.find(key);
    if (!entry) throw new Error(`outbox entry ${key} is missing right after it was written`);
    return { request: { ...request, ...fields }, entry };
  } catch (error) {
    // Another attempt recorded this ask meanwhile: carry on with theirs.
    if (!(error instanceof AlongsideConflictError)) throw error;
    const resumed = await resumeAsk(deps, run, step, key);
    if (!resumed) throw error;
    return resumed;
  }
}
