/**
 * The dunning dry run: for an invoice (or the facts of one), which reminders the policy sends
 * and when, to whom, saying what, with which fee — and, for a real invoice, which went out
 * already and why none may go (paid, held). Computed by the functions the flow uses; starts
 * nothing and sends nothing.
 */
import { type DunningPolicy, SimulateDunningRequest } from '#schemas/admin/dunning-policy';
import type { StoredRecord } from '#schemas/common';
import type { DocumentDeps } from '../../admin/ports.ts';
import { loadHead, loadVersion } from '../../admin/use-cases/document-service.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { BusinessClock } from '../../shared/business-calendar.ts';
import { parseOrThrow, rejected } from '../../shared/errors.ts';
import { dunningSchedule } from '../domain/dunning.ts';
import {
  DUNNING_KIND,
  dunningMessages,
  dunningOf,
  dunningValues,
  notDunned,
  type PolicyRef,
  policyFor,
} from './dunning.ts';

export async function simulateDunning(deps: DocumentDeps, body: unknown) {
  const request = parseOrThrow(SimulateDunningRequest, body);
  let invoice: StoredRecord;
  let account: StoredRecord | undefined;
  if (request.invoiceId) {
    invoice = await loadRecord(deps, RECORD_TYPES.invoice, request.invoiceId);
    account = await deps.store.get('account', String(invoice.accountId));
  } else {
    const facts = request.invoice as NonNullable<typeof request.invoice>;
    const now = deps.now().toISOString();
    invoice = {
      id: 'inv_EXAMPLE',
      kind: 'invoice',
      amount: facts.amount,
      currency: facts.currency,
      dueDate: facts.dueDate,
      balance: { credited: 0, paid: 0, refunded: 0, outstanding: facts.outstanding ?? facts.amount },
      version: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: 'dry-run',
      updatedBy: 'dry-run',
      archived: false,
    };
    account = { ...invoice, id: 'acc_EXAMPLE', name: facts.customer ?? 'Example customer' };
  }
  const state = dunningOf(invoice);
  let policy: { ref: PolicyRef; content: DunningPolicy; why: string } | undefined;
  if (request.policy) {
    const head = await loadHead(deps, DUNNING_KIND, request.policy.id);
    const version = await loadVersion<DunningPolicy>(deps, DUNNING_KIND, head.id, request.policy.version);
    policy = {
      ref: { id: head.id, version: version.version, name: version.content.name },
      content: version.content,
      why: `version ${version.version} was named in the request`,
    };
  } else {
    const found = await policyFor(deps, state.policy);
    if (found)
      policy = {
        ...found,
        why: state.policy
          ? 'the invoice follows this version since its first reminder'
          : 'the active dunning policy',
      };
  }
  if (!policy)
    throw rejected(
      'no-dunning-policy',
      'No dunning policy applies',
      'Activate a dunning policy, or name a version to try.',
    );

  const clock = new BusinessClock(policy.content.calendar);
  const now = deps.now();
  const stopped = notDunned(invoice, account);
  let fees = state.fees;
  const levels = dunningSchedule(policy.content, String(invoice.dueDate)).map((planned) => {
    const done = state.sent.find((s) => s.level === planned.level.name);
    const values = dunningValues({
      invoice,
      customer: String(account?.name ?? invoice.accountId),
      level: planned.level,
      fees,
      today: planned.at.toISOString().slice(0, 10),
    });
    if (!done) fees += planned.level.fee ?? 0;
    const messages = dunningMessages(
      planned.level,
      values,
      planned.level.channel === 'sms' ? '+0' : 'recipient',
    );
    return {
      level: planned.level.name,
      days: planned.level.days,
      channel: planned.level.channel,
      at: planned.at.toISOString(),
      atLocal: clock.format(planned.at),
      status: done ? done.status : stopped ? 'stopped' : planned.at <= now ? 'due' : 'scheduled',
      ...(done?.reason ? { reason: done.reason } : {}),
      ...(planned.level.fee ? { fee: planned.level.fee } : {}),
      ...(messages.email ? { subject: messages.email.subject, text: messages.email.text } : {}),
      ...(messages.sms ? { text: messages.sms.body } : {}),
    };
  });
  return {
    policy: { ...policy.ref, why: policy.why },
    invoice: {
      id: invoice.id,
      dueDate: invoice.dueDate,
      outstanding: (invoice.balance as { outstanding: number } | undefined)?.outstanding ?? 0,
      currency: invoice.currency,
    },
    ...(stopped ? { stopped } : {}),
    levels,
  };
}
