/**
 * Issues a credit note against an invoice: units of its lines returned or written off.
 * 1. Validate the body (lines and a reason); the invoice must be an invoice of an open order.
 * 2. Apply it to the ledger: no line may be credited beyond what the invoice billed; the amount
 *    is that of the units on that invoice, so an invoice is never credited beyond its amount.
 * 3. Write the credit note, the invoice's balance and the order's ledger together.
 */
import { CreditNoteInput } from '#schemas/records/order';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { invalidFields, parseOrThrow } from '../../shared/errors.ts';
import { formatMoney } from '../../shared/html.ts';
import { changeLedger, invoiceBalanceUpdate } from './order-ledger.ts';
import type { Recorded } from './record-shipment.use-case.ts';

export async function issueCreditNote(
  deps: RecordDeps,
  invoiceId: string,
  body: unknown,
  source: ChangeSource,
): Promise<Recorded> {
  const input = parseOrThrow(CreditNoteInput, body);
  const invoice = await loadRecord(deps, RECORD_TYPES.invoice, invoiceId);
  if (invoice.kind !== 'invoice')
    throw invalidFields([
      { pointer: '', detail: `${invoiceId} is itself a credit note`, code: 'not_an_invoice' },
    ]);
  const id = deps.newId(RECORD_TYPES.invoice.idPrefix);
  const { document } = await changeLedger(deps, String(invoice.orderId), source, async (order) => {
    const current = await loadRecord(deps, RECORD_TYPES.invoice, invoiceId);
    return {
      event: { kind: 'credit_note', id, invoiceId, lines: input.lines },
      write: (amount, ledger) => {
        const money = formatMoney(amount, order.currency);
        return {
          create: {
            type: 'invoice',
            id,
            fields: {
              orderId: order.id,
              accountId: order.accountId,
              kind: 'credit_note',
              creditOf: invoiceId,
              lines: input.lines,
              currency: order.currency,
              amount,
              issuedOn: deps.now().toISOString().slice(0, 10),
              status: 'credited',
              reason: input.reason,
              ...(input.erpRef ? { erpRef: input.erpRef } : {}),
            },
            summary: `Credit note for ${money}: ${input.reason}`,
          },
          update: invoiceBalanceUpdate(current, ledger, () => `Credited ${money} (${id})`),
          orderSummary: `Credit note ${id} for ${money}`,
        };
      },
    };
  });
  return { record: document, created: true };
}
