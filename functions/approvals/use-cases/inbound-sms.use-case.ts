import { logger } from '#platform/observability';
import type { Decision } from '#schemas/approval';
import { LinkAlreadyUsedError, StepAlreadySettledError } from '#store/approval-store';
import type { SmsDecisionDeps } from '../ports.ts';
import { type RequestState, recordDecision, requestContext } from './record-decision.ts';

export interface InboundSms {
  /** E.164, the approver's phone. */
  from: string;
  body: string;
}

export const MAX_WRONG_CODES_PER_HOUR = 5;

/** Words carriers and AWS handle themselves (opt-out, help, opt-in). */
const KEYWORDS = new Set([
  'stop',
  'stopall',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'arret',
  'help',
  'info',
  'aide',
  'start',
  'unstop',
  'subscribe',
]);

const WORDS: Record<string, Decision> = {
  yes: 'approve',
  y: 'approve',
  approve: 'approve',
  approved: 'approve',
  no: 'reject',
  n: 'reject',
  reject: 'reject',
  rejected: 'reject',
};

export type ParsedReply =
  | { kind: 'decision'; decision: Decision; code: string }
  | { kind: 'keyword' }
  | { kind: 'unreadable' };

/** Reads "YES 482193", " y482193 ", "Approve: 482193", "482193 NO", case and spacing as they come. */
export function parseReply(text: string): ParsedReply {
  const clean = text
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, '');
  if (KEYWORDS.has(clean)) return { kind: 'keyword' };
  const wordFirst = /^([a-z]+)\s*[:#,-]?\s*(\d{6})$/.exec(clean);
  const codeFirst = /^(\d{6})\s*[:#,-]?\s*([a-z]+)$/.exec(clean);
  const word = wordFirst?.[1] ?? codeFirst?.[2];
  const code = wordFirst?.[2] ?? codeFirst?.[1];
  const decision = word ? WORDS[word] : undefined;
  return decision && code ? { kind: 'decision', decision, code } : { kind: 'unreadable' };
}

export type SmsOutcome =
  | 'ignored-keyword'
  | 'ignored-unknown-number'
  | 'ignored-rate-limited'
  | 'wrong-code'
  | 'not-open'
  | 'decided';

const HOW_TO = 'Reply YES or NO followed by the 6-digit code from the request, e.g. YES 482193.';

/** Handles one reply; answers what happened (the SMS reply, if any, is already sent). */
export async function handleInboundSms(deps: SmsDecisionDeps, sms: InboundSms): Promise<SmsOutcome> {
  const parsed = parseReply(sms.body);
  if (parsed.kind === 'keyword') return 'ignored-keyword';
  const now = deps.now();
  if (!(await deps.approvals.phoneHasLiveCodes(sms.from, now))) {
    logger.info('SMS reply from a number without live codes ignored');
    return 'ignored-unknown-number';
  }
  if ((await deps.approvals.wrongCodes(sms.from, now)) >= MAX_WRONG_CODES_PER_HOUR)
    return 'ignored-rate-limited';

  const request =
    parsed.kind === 'decision' ? await deps.approvals.requestBySmsCode(sms.from, parsed.code) : undefined;
  const approver = request ? await deps.records.get('user', request.approverId) : undefined;
  if (parsed.kind !== 'decision' || !request || approver?.phone !== sms.from) {
    const wrong = await deps.approvals.countWrongCode(sms.from, now);
    if (wrong > MAX_WRONG_CODES_PER_HOUR) return 'ignored-rate-limited';
    const first = parsed.kind === 'decision' ? 'That code is not valid.' : 'That reply was not understood.';
    await reply(
      deps,
      sms.from,
      wrong === MAX_WRONG_CODES_PER_HOUR
        ? `${first} Too many wrong codes: replies from this number are ignored for the next hour.`
        : `${first} ${HOW_TO}`,
    );
    return 'wrong-code';
  }

  const quote = await deps.records.get('quote', request.quoteId);
  const name = typeof quote?.name === 'string' ? quote.name : 'The quote';
  const context = await requestContext(deps, request, now);
  if (context.state.kind !== 'open') {
    await reply(deps, sms.from, notOpenText(name, context.state));
    return 'not-open';
  }
  try {
    await recordDecision(deps, request, { decision: parsed.decision, channel: 'sms' });
  } catch (error) {
    if (!(error instanceof LinkAlreadyUsedError || error instanceof StepAlreadySettledError)) throw error;
    const latest =
      (await deps.approvals.request(request.approvalId, request.stepIndex, request.linkHash)) ?? request;
    const after = await requestContext(deps, latest, deps.now());
    await reply(
      deps,
      sms.from,
      notOpenText(name, after.state.kind === 'open' ? { kind: 'step-settled', decisions: [] } : after.state),
    );
    return 'not-open';
  }
  await reply(deps, sms.from, `${parsed.decision === 'approve' ? 'Approved' : 'Rejected'} ${name} — thanks`);
  return 'decided';
}

function notOpenText(name: string, state: Exclude<RequestState, { kind: 'open' }>): string {
  switch (state.kind) {
    case 'decided':
      return `${name} was already ${state.decision.decision === 'approve' ? 'approved' : 'rejected'} by ${state.decision.approverName} at ${state.decision.at.replace('T', ' ').slice(0, 16)} UTC.`;
    case 'expired':
      return `Your request for ${name} has expired.`;
    case 'recalled':
      return `${name} was recalled by its submitter; nothing is needed from you.`;
    case 'replaced':
      return `Your request for ${name} was passed on to someone else.`;
    case 'approver-inactive':
      return `Your account is no longer active, so your reply cannot decide ${name}.`;
    case 'step-settled':
      return `${name} no longer needs your decision${state.outcome ? `: it is already ${state.outcome}` : ''}.`;
  }
}

async function reply(deps: SmsDecisionDeps, to: string, body: string): Promise<void> {
  const result = await deps.sms.send({ to, body, kind: 'Transactional' });
  if (!result.sent) logger.info('SMS reply not sent', { reason: result.reason });
}
