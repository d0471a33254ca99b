/**
 * Sends an invoice to the order's contact, with its PDF, once (through the outbox:
 * ../../shared/deliver-once.ts, keyed by the invoice), and notes it in the invoice's history.
 * An order without a contact with an email is noted as not emailed, also once.
 */
import type { StoredRecord } from '#schemas/common';
import { VersionConflictError } from '#store/errors';
import { stableAuditId } from '../../shared/audit-ids.ts';
import { deliverOnce } from '../../shared/deliver-once.ts';
import type { OrderFlowDeps } from '../ports.ts';
import { invoiceEmail } from '../views/invoice-email.ts';
import { invoicePdf } from '../views/invoice-pdf.ts';
import { FLOW_SOURCE } from './order-flow.ts';
import type { OrderRecord } from './order-ledger.ts';

interface OrderLine {
  description?: string;
  sku?: string;
  productId?: string;
}

async function note(deps: OrderFlowDeps, invoice: StoredRecord, event: string, summary: string) {
  const at = deps.now().toISOString();
  try {
    await deps.store.appendHistory('invoice', {
      id: stableAuditId(String(invoice.createdAt), `${invoice.id}#${event}`),
      recordType: 'invoice',
      recordId: invoice.id,
      version: invoice.version,
      action: event,
      at,
      actor: FLOW_SOURCE.actor,
      channel: FLOW_SOURCE.channel,
      changes: [],
      summary,
    });
  } catch (error) {
    // Noted already, by an earlier attempt.
    if (!(error instanceof VersionConflictError)) throw error;
  }
}

export async function emailInvoice(
  deps: OrderFlowDeps,
  order: OrderRecord,
  invoice: StoredRecord,
): Promise<void> {
  if (!deps.billing) return;
  const contact =
    typeof order.contactId === 'string' ? await deps.store.get('contact', order.contactId) : undefined;
  const to = typeof contact?.email === 'string' ? contact.email : undefined;
  if (!to) {
    await note(deps, invoice, 'not-emailed', 'Not emailed: the order has no contact with an email address');
    return;
  }
  const account = await deps.store.get('account', order.accountId);
  const customer = String(account?.name ?? order.accountId);
  const lines = order.lines as OrderLine[];
  const billed = order.ledger.invoices[invoice.id];
  const pdf = await invoicePdf({
    id: invoice.id,
    issuedOn: String(invoice.issuedOn),
    ...(typeof invoice.dueDate === 'string' ? { dueDate: invoice.dueDate } : {}),
    seller: deps.billing.seller,
    customer,
    orderId: order.id,
    currency: order.currency,
    lines: (invoice.lines as { line: number; quantity: number }[]).map((l) => ({
      description: lines[l.line]?.description ?? lines[l.line]?.sku ?? `Line ${l.line + 1}`,
      quantity: l.quantity,
      amount: billed?.lineAmounts[l.line] ?? 0,
    })),
    total: Number(invoice.amount),
  });
  const email = invoiceEmail({
    to,
    invoiceId: invoice.id,
    customer,
    amount: Number(invoice.amount),
    currency: order.currency,
    ...(typeof invoice.dueDate === 'string' ? { dueDate: invoice.dueDate } : {}),
    pdf,
  });
  await deliverOnce(
    { ...deps.billing, now: deps.now },
    `invoice-email#${invoice.id}`,
    { email },
    async (_c, outcome) =>
      note(
        deps,
        invoice,
        'emailed',
        outcome.status === 'sent'
          ? `Emailed to ${to} with its PDF`
          : 'Email unconfirmed: an attempt stopped while handing it over; not sent twice',
      ),
  );
}
