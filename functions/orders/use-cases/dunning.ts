/**
 * Dunning: payment reminders for an order's unpaid invoices, as the active dunning policy says
 * (schemas/admin/dunning-policy.ts, docs/dunning.md). Run by the flow each time it looks at the
 * order's payments (./check-paid.use-case.ts), which then sleeps until the next level falls.
 *
 * For each invoice with money outstanding and a due date:
 * 1. Paid, credited to zero, or held (the invoice or its account): nothing is sent. A payment
 *    stops dunning at once, since the invoice is read as it is now, at every look.
 * 2. The invoice follows the policy version it was first reminded under; before that, the
 *    active one.
 * 3. The level due now (../domain/dunning.ts) is sent once, through the outbox, to the order's
 *    contact (email, SMS) or the person whose task it is (a task, by email); levels it overtook
 *    are noted as skipped. Then the invoice notes it — level, channel, when, to whom, the fee —
 *    with an entry in its history. A level whose recipient is missing is noted as not sent.
 */
import type { EmailMessage } from '#connectors/email/email-sender';
import { type DunningLevel, type DunningPolicy, renderTemplate } from '#schemas/admin/dunning-policy';
import type { StoredRecord } from '#schemas/common';
import { ADMIN_KINDS } from '../../admin/domain/admin-kinds.ts';
import type { DocumentDeps } from '../../admin/ports.ts';
import { activeHeads } from '../../admin/use-cases/document-service.ts';
import { deliverOnce, type Messages } from '../../shared/deliver-once.ts';
import { formatMoney, html } from '../../shared/html.ts';
import { dunningDue, dunningSchedule, type PlannedLevel } from '../domain/dunning.ts';
import type { OrderFlowDeps } from '../ports.ts';
import { moveDocument } from './order-flow.ts';
import { documentsOf, type OrderRecord } from './order-ledger.ts';

export const DUNNING_KIND = ADMIN_KINDS['dunning-policy'];

export interface PolicyRef {
  id: string;
  version: number;
  name: string;
}

export interface SentLevel {
  level: string;
  channel: DunningLevel['channel'];
  at: string;
  status: 'sent' | 'skipped' | 'not-sent';
  to?: string;
  fee?: number;
  reason?: string;
}

export interface InvoiceDunningState {
  policy?: PolicyRef;
  hold?: { reason: string; by: string; at: string };
  sent: SentLevel[];
  fees: number;
}

export const dunningOf = (invoice: StoredRecord): InvoiceDunningState =>
  (invoice.dunning as InvoiceDunningState | undefined) ?? { sent: [], fees: 0 };

/** The policy an invoice follows: the version it was reminded under, else the first active one. */
export async function policyFor(
  deps: Pick<DocumentDeps, 'versions' | 'store'>,
  pinned: PolicyRef | undefined,
): Promise<{ ref: PolicyRef; content: DunningPolicy } | undefined> {
  if (pinned) {
    const found = await deps.versions.get<DunningPolicy>(DUNNING_KIND.name, pinned.id, pinned.version);
    if (found) return { ref: pinned, content: found.content };
  }
  const [head] = await activeHeads(deps, DUNNING_KIND);
  if (!head?.activeVersion) return undefined;
  const found = await deps.versions.get<DunningPolicy>(DUNNING_KIND.name, head.id, head.activeVersion);
  return found
    ? { ref: { id: head.id, version: head.activeVersion, name: found.content.name }, content: found.content }
    : undefined;
}

/** Why an invoice gets no reminders now, or undefined when it may. */
export function notDunned(invoice: StoredRecord, account: StoredRecord | undefined): string | undefined {
  const balance = invoice.balance as { outstanding: number } | undefined;
  if (invoice.kind !== 'invoice') return 'a credit note is not dunned';
  if (typeof invoice.dueDate !== 'string') return 'the invoice has no due date';
  if (!balance || balance.outstanding <= 0) return 'nothing is outstanding: dunning stops';
  const hold = dunningOf(invoice).hold;
  if (hold) return `dunning is held on the invoice: ${hold.reason}`;
  if (account?.dunningHold === true) return 'dunning is held for the account';
  return undefined;
}

/** The template fields of one level for one invoice. */
export function dunningValues(input: {
  invoice: StoredRecord;
  customer: string;
  level: DunningLevel;
  fees: number;
  today: string;
}): Record<string, string> {
  const currency = String(input.invoice.currency);
  const money = (n: number) => formatMoney(n, currency);
  const outstanding = (input.invoice.balance as { outstanding: number } | undefined)?.outstanding ?? 0;
  const due = Date.parse(`${String(input.invoice.dueDate)}T00:00:00Z`);
  const today = Date.parse(`${input.today}T00:00:00Z`);
  return {
    customer: input.customer,
    invoice: input.invoice.id,
    amount: money(Number(input.invoice.amount)),
    outstanding: money(outstanding),
    dueDate: String(input.invoice.dueDate),
    daysOverdue: String(Math.round((today - due) / 86_400_000)),
    fee: input.level.fee ? money(input.level.fee) : '',
    total: money(outstanding + input.fees + (input.level.fee ?? 0)),
    level: input.level.name,
  };
}

/** A level's messages, rendered; the HTML part escapes what the text says. */
export function dunningMessages(level: DunningLevel, values: Record<string, string>, to: string): Messages {
  const body = renderTemplate(level.body, values);
  if (level.channel === 'sms') return { sms: { to, body, kind: 'Transactional' } };
  const subject = renderTemplate(level.subject ?? level.name, values);
  const paragraphs = body.split(/\n{2,}/).map((p) => html`<p>${p}</p>`.value);
  const email: EmailMessage = {
    to: [to],
    subject,
    text: body,
    html: paragraphs.join(''),
    tags: { flow: 'dunning' },
  };
  return { email };
}

/** Whom a level goes to: the order's contact, or the person whose task it is. */
async function recipientOf(
  deps: OrderFlowDeps,
  level: DunningLevel,
  order: OrderRecord,
  account: StoredRecord | undefined,
): Promise<string | undefined> {
  if (level.channel === 'task') {
    const userId = level.assignTo?.type === 'user' ? level.assignTo.userId : account?.ownerId;
    const user = typeof userId === 'string' ? await deps.store.get('user', userId) : undefined;
    return typeof user?.email === 'string' ? user.email : undefined;
  }
  const contact =
    typeof order.contactId === 'string' ? await deps.store.get('contact', order.contactId) : undefined;
  const address = level.channel === 'sms' ? contact?.phone : contact?.email;
  return typeof address === 'string' ? address : undefined;
}

async function sendLevel(
  deps: OrderFlowDeps,
  order: OrderRecord,
  invoice: StoredRecord,
  account: StoredRecord | undefined,
  policy: { ref: PolicyRef; content: DunningPolicy },
  planned: PlannedLevel,
  skipped: PlannedLevel[],
): Promise<void> {
  const { level } = planned;
  const now = deps.now();
  const to = await recipientOf(deps, level, order, account);
  const state = dunningOf(invoice);
  const canSend = to && deps.billing && (level.channel !== 'sms' || deps.billing.sms);
  if (canSend && deps.billing) {
    const values = dunningValues({
      invoice,
      customer: String(account?.name ?? order.accountId),
      level,
      fees: state.fees,
      today: now.toISOString().slice(0, 10),
    });
    await deliverOnce(
      { ...deps.billing, now: deps.now },
      `dunning#${invoice.id}#${level.name}`,
      dunningMessages(level, values, to),
    );
  }
  const at = now.toISOString();
  const entry: SentLevel = canSend
    ? {
        level: level.name,
        channel: level.channel,
        at,
        status: 'sent',
        to,
        ...(level.fee ? { fee: level.fee } : {}),
      }
    : {
        level: level.name,
        channel: level.channel,
        at,
        status: 'not-sent',
        reason: to
          ? `no ${level.channel} sender is configured`
          : `no ${level.channel === 'sms' ? 'phone' : 'email'} to send it to`,
      };
  const fee = entry.status === 'sent' ? (level.fee ?? 0) : 0;
  const money = (n: number) => formatMoney(n, String(invoice.currency));
  await moveDocument(deps, 'invoice', invoice.id, (current) => {
    const latest = dunningOf(current);
    if (latest.sent.some((s) => s.level === level.name)) return undefined;
    const skippedNow: SentLevel[] = skipped
      .filter((s) => !latest.sent.some((d) => d.level === s.level.name))
      .map((s) => ({
        level: s.level.name,
        channel: s.level.channel,
        at,
        status: 'skipped',
        reason: `overtaken by ${level.name}`,
      }));
    return {
      fields: {
        dunning: {
          ...latest,
          policy: latest.policy ?? policy.ref,
          sent: [...latest.sent, ...skippedNow, entry],
          fees: latest.fees + fee,
        },
      },
      action: entry.status === 'sent' ? 'dunning-sent' : 'dunning-not-sent',
      summary:
        entry.status === 'sent'
          ? `Reminder "${level.name}" sent by ${level.channel} to ${to}${fee ? `, fee ${money(fee)}` : ''}`
          : `Reminder "${level.name}" not sent: ${entry.reason}`,
    };
  });
}

/**
 * Sends what is due on the order's invoices now; answers when the next level falls (undefined:
 * nothing ahead), so the flow sleeps no longer than that.
 */
export async function dunOrder(deps: OrderFlowDeps, order: OrderRecord): Promise<Date | undefined> {
  if (!deps.versions) return undefined;
  const documents = { store: deps.store, versions: deps.versions };
  const account = await deps.store.get('account', order.accountId);
  let next: Date | undefined;
  for (const invoice of await documentsOf(deps, 'invoice', order.id)) {
    if (notDunned(invoice, account)) continue;
    const state = dunningOf(invoice);
    const policy = await policyFor(documents, state.policy);
    if (!policy) continue;
    const schedule = dunningSchedule(policy.content, String(invoice.dueDate));
    const decision = dunningDue(schedule, new Set(state.sent.map((s) => s.level)), deps.now());
    if (decision.send) await sendLevel(deps, order, invoice, account, policy, decision.send, decision.skip);
    if (decision.next && (!next || decision.next.at < next)) next = decision.next.at;
  }
  return next;
}
