/**
 * The order use cases on plain fakes of their ports (the record port in memory): what they write
 * together, and that a refused document or a lost race writes nothing twice.
 */
import './support/env.ts';
import { describe, expect, it, vi } from 'vitest';
import { issueInvoice } from '#functions/orders/use-cases/issue-invoice.use-case';
import { orderFromQuote } from '#functions/orders/use-cases/order-from-quote.use-case';
import { recordPayment } from '#functions/orders/use-cases/record-payment.use-case';
import { recordShipment } from '#functions/orders/use-cases/record-shipment.use-case';
import { DomainError } from '#functions/shared/errors';
import { VersionConflictError } from '#store/errors';
import { storedRecord, testId } from './support/builders.ts';
import { recordDeps, source } from './support/record-deps.ts';

const QUOTE = testId('quo', 1);
const line = (quantity: number, unitPrice: number) => ({
  productId: testId('prd', 1),
  quantity,
  unitPrice,
  listPrice: unitPrice,
  discountPercent: 0,
  amount: quantity * unitPrice,
  discount: 0,
  net: quantity * unitPrice,
});

function withApprovedQuote() {
  const deps = recordDeps();
  deps.store.put(
    'quote',
    storedRecord(
      'quo',
      {
        name: 'Renewal',
        accountId: testId('acc', 1),
        currency: 'EUR',
        status: 'approved',
        discountPercent: 0,
        taxRatePercent: 0,
        lines: [line(2, 100_00), line(1, 50_00)],
        totals: {
          listTotal: 250_00,
          subtotal: 250_00,
          headerDiscount: 0,
          net: 250_00,
          tax: 0,
          total: 250_00,
          discountPercent: 0,
        },
      },
      { id: QUOTE },
    ),
  );
  return deps;
}

describe('an order from a quote, on the record port', () => {
  it('writes the order and the accepted quote in one writeAll, and answers the same order again', async () => {
    const deps = withApprovedQuote();
    const writeAll = vi.spyOn(deps.store, 'writeAll');

    const first = await orderFromQuote(deps, QUOTE, source);
    const again = await orderFromQuote(deps, QUOTE, source);

    expect(first.created).toBe(true);
    expect(again).toEqual({ record: first.record, created: false });
    expect(writeAll).toHaveBeenCalledTimes(1);
    const [order, quote] = writeAll.mock.calls[0]?.[0] ?? [];
    expect(order?.record).toMatchObject({ quoteId: QUOTE, ledger: { ordered: 250_00 } });
    expect(quote?.record).toMatchObject({
      id: QUOTE,
      status: 'accepted',
      orderId: first.record.id,
      version: 2,
    });
    expect(deps.store.audits.map((a) => a.action)).toEqual(['create', 'accept']);
  });

  it('reads again and answers the winner when another request made the order first', async () => {
    const deps = withApprovedQuote();
    vi.spyOn(deps.store, 'writeAll').mockImplementationOnce(async () => {
      // Another request orders the quote between this one's read and its write (the spy's
      // one-off fake is spent, so it writes for real).
      await orderFromQuote(deps, QUOTE, source);
      throw new VersionConflictError('quote changed meanwhile');
    });

    const answer = await orderFromQuote(deps, QUOTE, source);

    expect(answer.created).toBe(false);
    expect([...deps.store.records.keys()].filter((k) => k.startsWith('order#'))).toHaveLength(1);
  });
});

describe('documents of an order, on the record port', () => {
  it('refuses a shipment of more than was ordered and writes nothing', async () => {
    const deps = withApprovedQuote();
    const { record: order } = await orderFromQuote(deps, QUOTE, source);
    const before = structuredClone([...deps.store.records]);

    const refused = await recordShipment(deps, order.id, { lines: [{ line: 0, quantity: 3 }] }, source).catch(
      (e: unknown) => e,
    );

    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).name).toBe('InvalidFields');
    expect([...deps.store.records]).toEqual(before);
  });

  it('bills a shipment, takes a payment, and keeps the invoice’s balance with the order’s ledger', async () => {
    const deps = withApprovedQuote();
    const { record: order } = await orderFromQuote(deps, QUOTE, source);
    const shipment = await recordShipment(deps, order.id, { lines: [{ line: 0, quantity: 1 }] }, source);
    const invoice = await issueInvoice(deps, order.id, { shipmentId: shipment.record.id }, source);
    await recordPayment(
      deps,
      invoice.record.id,
      { amount: 60_00, currency: 'EUR', externalId: 'b-1' },
      source,
    );

    expect(invoice.record).toMatchObject({ amount: 100_00, status: 'open' });
    expect(await deps.store.get('invoice', invoice.record.id)).toMatchObject({
      status: 'partly_paid',
      balance: { paid: 60_00, outstanding: 40_00 },
      version: 2,
    });
    expect(await deps.store.get('order', order.id)).toMatchObject({
      ledger: { shipped: 100_00, invoiced: 100_00, paid: 60_00, outstanding: 40_00 },
      version: 4,
    });
  });
});
