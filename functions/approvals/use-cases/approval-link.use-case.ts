/**
 * What an approval link does. The link id (random, 160 bits) is the credential; the table holds
 * only its hash.
 *
 * Opening it (GET, HEAD) reads and renders, nothing more — no status change, no "opened" mark —
 * so mail scanners, link previewers and browser prefetch get the same harmless page and can
 * neither decide nor race a real decision.
 *
 * Deciding (POST from the page) takes these steps:
 *   1. find the request by the link's hash (unknown);
 *   2. validate the form and compare its nonce with the request's in constant time;
 *   3. refuse a request no longer open: decided (saying by whom and when), expired, recalled,
 *      passed on or its step already settled;
 *   4. record the decision — conditional, so racing posts make one decision — with the client's
 *      IP and user agent, audit it on the quote and settle the step if it is decided;
 *   5. return the receipt.
 *
 * Both return what happened, in the approver's words; approval-link-http.ts chooses the page or
 * the problem and its status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type ApprovalRequest,
  DecisionForm,
  type DecisionReceipt,
  type RecordedDecision,
} from '#schemas/approval';
import { LinkAlreadyUsedError, StepAlreadySettledError } from '#store/approval-store';
import { fieldErrors } from '../../shared/errors.ts';
import type { DecisionDeps } from '../ports.ts';
import type { QuoteSummary } from '../views/approval-page.ts';
import {
  completeDecision,
  type RequestContext,
  type RequestState,
  recordDecision,
  requestContext,
} from './record-decision.ts';

const when = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;

const decisionLine = (d: RecordedDecision) =>
  `${d.decision === 'approve' ? 'Approved' : 'Rejected'} by ${d.approverName}` +
  `${d.onBehalfOf ? ` on behalf of ${d.onBehalfOf.name}` : ''} on ${when(d.at)}.`;

/** Why a link decides nothing. */
export type RefusalReason =
  | 'unknown'
  | 'nonce-mismatch'
  | 'bad-form'
  | 'already-decided'
  | 'expired'
  | 'recalled'
  | 'replaced'
  | 'approver-inactive'
  | 'step-settled';

export interface Refused {
  kind: 'refused';
  reason: RefusalReason;
  /** What the approver reads, one sentence a line. */
  lines: string[];
  /** Facts a program reads (who decided, the step's outcome, the form's field errors). */
  details?: Record<string, unknown>;
}

/** What opening a link shows. */
export type LinkPage =
  | {
      kind: 'confirm';
      request: ApprovalRequest;
      quote: QuoteSummary;
      why: string[];
      earlier: RecordedDecision[];
    }
  | { kind: 'just-decided'; lines: string[] }
  | Refused;

/** What posting a link's form did. */
export type LinkDecision = { kind: 'decided'; receipt: DecisionReceipt } | Refused;

const UNKNOWN: Refused = {
  kind: 'refused',
  reason: 'unknown',
  lines: [
    'This is not one of our approval links. Check that the whole link was copied, or use the link in the latest message you received.',
  ],
};

async function quoteName(deps: DecisionDeps, quoteId: string): Promise<string> {
  const quote = await deps.records.get('quote', quoteId);
  return typeof quote?.name === 'string' ? quote.name : 'the quote';
}

/** Why a request that is not open cannot be decided, in its approver's words. */
async function refusalFor(
  deps: DecisionDeps,
  context: RequestContext,
  state: Exclude<RequestState, { kind: 'open' }>,
): Promise<Refused> {
  const name = await quoteName(deps, context.request.quoteId);
  switch (state.kind) {
    case 'decided':
      return {
        kind: 'refused',
        reason: 'already-decided',
        lines: [
          `${name}: ${decisionLine(state.decision)}`,
          ...(state.decision.comment ? [`Comment: “${state.decision.comment}”`] : []),
        ],
        details: {
          decision: state.decision.decision,
          decidedBy: state.decision.approverName,
          decidedAt: state.decision.at,
        },
      };
    case 'expired':
      return {
        kind: 'refused',
        reason: 'expired',
        lines: [
          `The request for ${name} was valid until ${when(state.at)}.`,
          'If a decision is still needed, you will receive a new request.',
        ],
      };
    case 'recalled':
      return {
        kind: 'refused',
        reason: 'recalled',
        lines: [`${name} was withdrawn from approval by its submitter. Nothing is needed from you.`],
      };
    case 'replaced':
      return {
        kind: 'refused',
        reason: 'replaced',
        lines: [`Your request for ${name} was escalated or handed to someone else, who will decide.`],
      };
    case 'approver-inactive':
      return {
        kind: 'refused',
        reason: 'approver-inactive',
        lines: [
          `This link was issued to ${context.request.approverName}, whose account is no longer active, so it cannot decide ${name}.`,
          'The approval goes on without it: a reminder or escalation reaches whoever answers now.',
        ],
      };
    case 'step-settled':
      return {
        kind: 'refused',
        reason: 'step-settled',
        lines: [
          state.outcome
            ? `Step “${context.request.stepName}” for ${name} is already ${state.outcome}.`
            : `${name} no longer waits for this step.`,
          ...state.decisions.map(decisionLine),
        ],
        ...(state.outcome ? { details: { stepOutcome: state.outcome } } : {}),
      };
  }
}

/** The quote as the confirm page shows it. */
async function quoteSummary(deps: DecisionDeps, context: RequestContext): Promise<QuoteSummary | undefined> {
  const quote = await deps.records.get('quote', context.request.quoteId);
  if (!quote) return undefined;
  const lines =
    (quote.lines as {
      productId?: string;
      description?: string;
      sku?: string;
      quantity: number;
      net: number;
    }[]) ?? [];
  const related = await deps.records.getMany([
    { type: 'account', id: String(quote.accountId) },
    ...lines.flatMap((l) => (l.productId ? [{ type: 'product', id: l.productId }] : [])),
  ]);
  const totals = quote.totals as {
    total: number;
    net: number;
    discountPercent: number;
    marginPercent?: number;
  };
  return {
    name: String(quote.name),
    customer: String(related.get(`account#${String(quote.accountId)}`)?.name ?? 'an unknown customer'),
    currency: String(quote.currency),
    total: totals.total,
    net: totals.net,
    discountPercent: totals.discountPercent,
    ...(totals.marginPercent !== undefined ? { marginPercent: totals.marginPercent } : {}),
    lines: lines.map((l) => ({
      description:
        l.description ??
        (l.productId ? String(related.get(`product#${l.productId}`)?.name ?? l.sku ?? l.productId) : 'Line'),
      quantity: l.quantity,
      net: l.net,
    })),
    submittedBy: context.run?.submittedBy.name ?? 'unknown',
  };
}

/** Decisions already taken on this quote's approval, earlier steps first. */
async function earlierDecisions(deps: DecisionDeps, context: RequestContext): Promise<RecordedDecision[]> {
  const steps = await deps.approvals.steps(context.request.approvalId);
  return steps.filter((s) => s.index <= context.request.stepIndex).flatMap((s) => s.decisions ?? []);
}

/** Why the quote needs this step: the step's entry condition, and the policy that applies. */
function whyAsked(context: RequestContext): string[] {
  const policy = context.run?.policy;
  return [
    ...(context.step?.why ?? []),
    ...(policy ? [`Policy “${policy.name}” (version ${policy.version})`] : []),
  ];
}

/** GET and HEAD: what to confirm, or why there is nothing to decide. Writes nothing. */
export async function showApprovalLink(
  deps: DecisionDeps,
  linkId: string,
  options: { justDecided: boolean },
): Promise<LinkPage> {
  const request = await deps.approvals.requestByLink(linkId);
  if (!request) return UNKNOWN;
  const context = await requestContext(deps, request, deps.now());
  const { state } = context;
  if (state.kind === 'decided' && options.justDecided) {
    const name = await quoteName(deps, request.quoteId);
    const stepStatus = context.step?.status;
    return {
      kind: 'just-decided',
      lines: [
        `${name}: ${decisionLine(state.decision)}`,
        ...(state.decision.comment ? [`Comment: “${state.decision.comment}”`] : []),
        stepStatus === 'approved' || stepStatus === 'rejected'
          ? `Step “${request.stepName}” is now ${stepStatus}.`
          : `Step “${request.stepName}” waits for other approvers.`,
      ],
    };
  }
  if (state.kind !== 'open') return refusalFor(deps, context, state);
  const quote = await quoteSummary(deps, context);
  if (!quote) return UNKNOWN;
  return {
    kind: 'confirm',
    request,
    quote,
    why: whyAsked(context),
    earlier: await earlierDecisions(deps, context),
  };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
/** Compares without leaking, through timing, how much of a guessed nonce was right. */
const sameNonce = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/** POST: decides, once. */
export async function decideByLink(
  deps: DecisionDeps,
  linkId: string,
  input: { body: unknown; ip?: string; userAgent?: string },
): Promise<LinkDecision> {
  const request = await deps.approvals.requestByLink(linkId);
  if (!request) return UNKNOWN;

  const form = DecisionForm.safeParse(input.body);
  if (!form.success) {
    const errors = fieldErrors(form.error);
    return {
      kind: 'refused',
      reason: 'bad-form',
      lines: errors.map((e) => `${e.pointer.slice(1) || 'form'}: ${e.detail}`),
      details: { errors },
    };
  }
  if (!sameNonce(form.data.nonce, request.nonce))
    return {
      kind: 'refused',
      reason: 'nonce-mismatch',
      lines: ['Nothing was decided. Open the link from your message again and decide from that page.'],
    };

  const context = await requestContext(deps, request, deps.now());
  if (context.state.kind === 'decided') {
    // The same link posted again: finish whatever a failed first attempt left undone.
    await completeDecision(deps, request, context.state.decision);
  }
  if (context.state.kind !== 'open') return refusalFor(deps, context, context.state);

  let recorded: Awaited<ReturnType<typeof recordDecision>>;
  try {
    recorded = await recordDecision(deps, request, {
      decision: form.data.decision,
      comment: form.data.comment,
      channel: 'email',
      ip: input.ip,
      userAgent: input.userAgent,
    });
  } catch (error) {
    if (!(error instanceof LinkAlreadyUsedError || error instanceof StepAlreadySettledError)) throw error;
    // Lost a race: say what won.
    const latest =
      (await deps.approvals.request(request.approvalId, request.stepIndex, request.linkHash)) ?? request;
    const after = await requestContext(deps, latest, deps.now());
    const state: Exclude<RequestState, { kind: 'open' }> =
      after.state.kind === 'open'
        ? { kind: 'step-settled', decisions: after.step?.decisions ?? [] }
        : after.state;
    return refusalFor(deps, after, state);
  }
  return { kind: 'decided', receipt: receipt(request, recorded, await quoteName(deps, request.quoteId)) };
}

function receipt(
  request: ApprovalRequest,
  recorded: Awaited<ReturnType<typeof recordDecision>>,
  name: string,
): DecisionReceipt {
  return {
    decision: recorded.decision.decision,
    decidedAt: recorded.decision.at,
    approver: recorded.decision.approverName,
    ...(recorded.decision.onBehalfOf ? { onBehalfOf: recorded.decision.onBehalfOf.name } : {}),
    quote: { id: request.quoteId, name },
    ...(recorded.stepOutcome ? { stepOutcome: recorded.stepOutcome } : {}),
  };
}
