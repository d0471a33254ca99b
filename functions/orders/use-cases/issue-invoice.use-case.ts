/**
 * Issues an invoice of an order.
 * 1. Validate the body. What it bills: the given lines; or one shipment (each shipment is billed
 *    once: a second invoice of it answers the first); or, with neither, everything shipped and not
 *    billed yet (422 when there is nothing).
 * 2. Apply it to the ledger: no line may be billed beyond what was ordered. The amount comes from
 *    the ledger, never from the caller.
 * 3. Write the invoice (due after the order's payment terms) and the order's next ledger together.
 */
import type { StoredRecord } from '#schemas/common';
import { InvoiceInput } from '#schemas/records/order';
import { UniqueConflictError } from '#store/errors';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { invalidFields, parseOrThrow } from '../../shared/errors.ts';
import { formatMoney } from '../../shared/html.ts';
import type { LineUnits } from '../domain/ledger.ts';
import { changeLedger, dueDateOf, type OrderRecord } from './order-ledger.ts';
import type { Recorded } from './record-shipment.use-case.ts';

export async function issueInvoice(
  deps: RecordDeps,
  orderId: string,
  body: unknown,
  source: ChangeSource,
): Promise<Recorded> {
  const input = parseOrThrow(InvoiceInput, body);
  if (input.lines && input.shipmentId)
    throw invalidFields([
      { pointer: '/shipmentId', detail: 'give lines or a shipment, not both', code: 'invalid_value' },
    ]);
  const shipment = input.shipmentId
    ? await loadRecord(deps, RECORD_TYPES.shipment, input.shipmentId)
    : undefined;
  if (shipment && shipment.orderId !== orderId)
    throw invalidFields([
      {
        pointer: '/shipmentId',
        detail: `shipment ${shipment.id} belongs to another order`,
        code: 'invalid_reference',
      },
    ]);
  const invoiceOfShipment = async () => {
    const id = shipment ? await deps.store.findUnique('invoice', 'shipmentId', shipment.id) : undefined;
    return id ? deps.store.get('invoice', id) : undefined;
  };
  const first = await invoiceOfShipment();
  if (first) return { record: first, created: false };

  const id = deps.newId(RECORD_TYPES.invoice.idPrefix);
  const linesFor = (order: OrderRecord): LineUnits[] => {
    if (input.lines) return input.lines;
    if (shipment) return shipment.lines as LineUnits[];
    const unbilled = order.ledger.lines.flatMap((l, line) =>
      l.shipped > l.invoiced ? [{ line, quantity: l.shipped - l.invoiced }] : [],
    );
    if (unbilled.length === 0)
      throw invalidFields([
        {
          pointer: '/lines',
          detail: 'nothing is shipped and not yet invoiced; name the lines to bill',
          code: 'nothing_to_bill',
        },
      ]);
    return unbilled;
  };
  try {
    const { document } = await changeLedger(deps, orderId, source, (order) => {
      const lines = linesFor(order);
      return {
        event: { kind: 'invoice', id, lines },
        write: (amount) => {
          const issuedOn = input.issuedOn ?? deps.now().toISOString().slice(0, 10);
          return {
            create: {
              type: 'invoice',
              id,
              fields: {
                orderId,
                accountId: order.accountId,
                kind: 'invoice',
                ...(shipment ? { shipmentId: shipment.id } : {}),
                lines,
                currency: order.currency,
                amount,
                issuedOn,
                dueDate: dueDateOf(issuedOn, Number(order.paymentTermsDays ?? 30)),
                status: amount > 0 ? 'open' : 'paid',
                balance: { credited: 0, paid: 0, refunded: 0, outstanding: amount },
                ...(input.erpRef ? { erpRef: input.erpRef } : {}),
              },
              summary: `Invoice for ${formatMoney(amount, order.currency)}`,
            },
            orderSummary: `Invoiced ${formatMoney(amount, order.currency)}`,
          };
        },
      };
    });
    return { record: document, created: true };
  } catch (error) {
    if (error instanceof UniqueConflictError && error.field === 'shipmentId') {
      const winner = await invoiceOfShipment();
      if (winner) return { record: winner as StoredRecord, created: false };
    }
    throw error;
  }
}
