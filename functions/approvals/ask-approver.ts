/**
 * Asking one approver: a request (a fresh link, and an SMS reply code when they get texts), the
 * email, the SMS, and an entry in the quote's history per message. Used for the first ask, for
 * reminders, renewed links and escalations alike.
 */
import type { ApprovalRequest } from '#schemas/approval';
import type { ApprovalRun, ApprovalStep } from '#store/approval-store';
import {
  appendFlowHistory,
  decisionsUpTo,
  type FlowDeps,
  type FlowRequest,
  quoteSummary,
} from './approval-flow.ts';
import { type AskKind, type EarlierDecision, requestEmail, requestSms } from './approval-messages.ts';
import type { QuoteSummary } from './approval-page.ts';
import { cannotApprove, type DirectoryUser } from './approval-plan.ts';
import { MAX_LINK_HOURS } from './step-timer.ts';

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
 * 1. Store the request: its link (stored hashed) expires after the policy's link validity (72 h
 *    at most); a reply code is claimed when the approver gets texts (a mobile number, not opted out).
 * 2. Email it: the quote, why this person is asked, earlier decisions, Approve and Reject buttons.
 * 3. Text it, Transactional, with the link and the reply code; a number that opted out at the
 *    carrier gets nothing, and the history says so.
 * 4. Note on the request that it went out, and add one history entry per message.
 * A failure before step 4 leaves an unsent request: a retry replaces it with a new one.
 */
export async function askApprover(
  deps: FlowDeps,
  ctx: AskContext,
  target: AskTarget,
  kind: AskKind,
  extra: { round: number; replaces?: string; reminder?: number },
): Promise<FlowRequest> {
  const { run, step, summary } = ctx;
  // The last line of defence: every way of choosing whom to ask already leaves these people out.
  if (cannotApprove(run).has(target.user.id))
    throw new Error(
      `${target.user.id} submitted or owns quote ${run.quoteId} and may not be asked to approve it`,
    );
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
  const { linkId, request } = await deps.approvals.addRequest(fields, smsTo);
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
  await deps.email.send({
    to: [target.user.email],
    ...email,
    tags: { flow: 'quote-approval', approval: run.id },
  });
  const sms = smsTo
    ? await deps.sms.send({
        to: smsTo,
        body: requestSms({
          kind,
          quote: summary,
          link,
          ...(request.smsCode ? { code: request.smsCode } : {}),
        }),
        kind: 'Transactional',
      })
    : undefined;

  const channels: ('email' | 'sms')[] = sms?.sent ? ['email', 'sms'] : ['email'];
  const sentAt = deps.now().toISOString();
  await deps.approvals.markRequestSent(request, { sentAt, channels });

  const who = `${target.user.name}${target.onBehalfOf ? ` on behalf of ${target.onBehalfOf.name}` : ''}`;
  const about = `step ${ctx.stepNumber} “${step.name}”: ${target.reason}`;
  const context = {
    approvalId: run.id,
    stepIndex: step.index,
    approverId: target.user.id,
    ...(target.onBehalfOf ? { onBehalfOf: target.onBehalfOf.userId } : {}),
    expiresAt: request.expiresAt,
  };
  await appendFlowHistory(deps.records, ctx.quote, {
    key: `${request.linkHash}#email`,
    at: request.createdAt,
    action: ACTIONS[kind],
    channel: 'email',
    summary: `${WHAT[kind]} ${who} by email (${about})`,
    context,
  });
  if (sms) {
    await appendFlowHistory(deps.records, ctx.quote, {
      key: `${request.linkHash}#sms`,
      at: request.createdAt,
      action: sms.sent ? ACTIONS[kind] : 'sms-not-sent',
      channel: 'sms',
      summary: sms.sent
        ? `${WHAT[kind]} ${who} by SMS (${about})`
        : `No SMS to ${who}: the number opted out of texts; the email went out`,
      context,
    });
  }
  return { ...request, ...fields, linkHash: request.linkHash, sentAt, channels };
}
