/**
 * Records a payment received against an invoice, or a refund of one.
 * 1. Validate the body (a positive whole amount, a currency, the bank's or provider's id); the
 *    invoice must exist and be an invoice, not a credit note.
 * 2. A notification repeated with the same external id answers the payment it made the first
 *    time, and changes nothing; the same id with another amount or invoice is a 409.
 * 3. Apply it to the ledger: the currency must be the invoice's; a refund may not exceed what was
 *    paid and not refunded. Over-payment is allowed: the invoice shows a negative outstanding.
 * 4. Write the payment, the invoice's balance and the order's ledger together.
 */
import type { StoredRecord } from '#schemas/common';
import { PaymentInput } from '#schemas/records/order';
import { UniqueConflictError } from '#store/errors';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { conflict, invalidFields, parseOrThrow } from '../../shared/errors.ts';
import { formatMoney } from '../../shared/html.ts';
import { changeLedger, invoiceBalanceUpdate } from './order-ledger.ts';
import type { Recorded } from './record-shipment.use-case.ts';

export async function recordPayment(
  deps: RecordDeps,
  invoiceId: string,
  body: unknown,
  source: ChangeSource,
): Promise<Recorded> {
  const input = parseOrThrow(PaymentInput, body);
  const invoice = await loadRecord(deps, RECORD_TYPES.invoice, invoiceId);
  if (invoice.kind !== 'invoice')
    throw invalidFields([
      {
        pointer: '',
        detail: `${invoiceId} is a credit note; payments are made against invoices`,
        code: 'not_an_invoice',
      },
    ]);

  const earlier = async (): Promise<StoredRecord | undefined> => {
    const id = await deps.store.findUnique('payment', 'externalId', input.externalId);
    const found = id ? await deps.store.get('payment', id) : undefined;
    if (!found) return undefined;
    if (found.invoiceId !== invoiceId || found.amount !== input.amount || found.kind !== input.kind)
      throw conflict(
        'external-id-used',
        'External id already used',
        `Payment ${found.id} already carries external id "${input.externalId}" with another invoice, amount or kind.`,
        { field: '/externalId', heldBy: found.id },
      );
    return found;
  };
  const first = await earlier();
  if (first) return { record: first, created: false };

  try {
    const { document } = await changeLedger(deps, String(invoice.orderId), source, async (order) => {
      const current = await loadRecord(deps, RECORD_TYPES.invoice, invoiceId);
      return {
        event: {
          kind: input.kind,
          invoiceId,
          amount: input.amount,
          currency: input.currency,
          externalId: input.externalId,
        },
        write: (amount, ledger) => {
          const money = formatMoney(amount, order.currency);
          return {
            create: {
              type: 'payment',
              fields: {
                invoiceId,
                orderId: order.id,
                accountId: order.accountId,
                kind: input.kind,
                amount,
                currency: input.currency,
                externalId: input.externalId,
                receivedAt: input.receivedAt ?? deps.now().toISOString(),
                ...(input.method ? { method: input.method } : {}),
              },
              summary: input.kind === 'refund' ? `Refunded ${money}` : `Received ${money}`,
            },
            update: invoiceBalanceUpdate(
              current,
              ledger,
              (outstanding) =>
                `${input.kind === 'refund' ? 'Refund' : 'Payment'} of ${money}; ${formatMoney(outstanding, order.currency)} outstanding`,
            ),
            orderSummary: `${input.kind === 'refund' ? 'Refund' : 'Payment'} of ${money} on ${invoiceId}`,
          };
        },
      };
    });
    return { record: document, created: true };
  } catch (error) {
    if (error instanceof UniqueConflictError && error.field === 'externalId') {
      const winner = await earlier();
      if (winner) return { record: winner, created: false };
    }
    throw error;
  }
}
