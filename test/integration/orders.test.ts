/**
 * Orders and their documents through the API on the hub: an approved quote becomes one order
 * (frozen lines, the quote accepted); two partial shipments, two invoices, a partial payment, an
 * over-payment, a refund and a credit note move the ledger, which is right after each step; and
 * bad, hostile and duplicated input gets a clear 4xx and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { customer } from '../support/orders.ts';

let hub: TestHub;
let accountId: string;
let seat: string;
/** An approved quote: 3 seats and 1 workshop at 19 % tax — 4,165.00 EUR. */
let approvedQuote: () => Promise<string>;

beforeAll(async () => {
  hub = await startTestHub();
  const c = await customer(hub, { seat: 1_000_00, workshop: 500_00 });
  ({ accountId, seat } = c);
  approvedQuote = () => c.approvedQuote(3, { taxRatePercent: 19 });
});
afterAll(() => hub?.stop());

const order = async (id: string) => (await hub.api.get(`/v1/orders/${id}`)).body;
/** The ledger and standing of an order before and after `act` (its workflow may move its status meanwhile). */
const unchanged = async (id: string, act: () => Promise<unknown>) => {
  const money = async () => {
    const { ledger, standing, lines, totals } = await order(id);
    return { ledger, standing, lines, totals };
  };
  const before = await money();
  await act();
  expect(await money()).toEqual(before);
};

describe('an order from an approved quote', () => {
  it('freezes the quote’s lines into one order, accepts the quote, and answers the same order again', async () => {
    const quoteId = await approvedQuote();

    const made = await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'finance' });
    expect(made.status).toBe(201);
    expect(made.headers.get('location')).toBe(`/v1/orders/${made.body.id}`);
    expect(made.body).toMatchObject({
      accountId,
      quoteId,
      currency: 'EUR',
      status: 'pending',
      totals: { net: 3_500_00, tax: 665_00, total: 4_165_00 },
      ledger: { ordered: 4_165_00, shipped: 0, invoiced: 0, paid: 0, outstanding: 0 },
      standing: { fulfilment: 'unshipped', billing: 'unbilled', payment: 'unpaid' },
    });
    expect(made.body.lines.map((l: { total: number }) => l.total)).toEqual([3_570_00, 595_00]);

    const again = await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'finance' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(made.body.id);
    expect((await hub.api.all('orders', `quote=${quoteId}`)).map((o) => o.id)).toEqual([made.body.id]);

    const quote = (await hub.api.get(`/v1/quotes/${quoteId}`)).body;
    expect(quote).toMatchObject({ status: 'accepted', orderId: made.body.id });
    // An accepted quote can no longer change, so the order and the quote cannot drift apart.
    expect((await hub.api.patch(`/v1/quotes/${quoteId}`, { notes: 'x' })).status).toBe(409);
    // The order's price is fixed too.
    const repriced = await hub.api.patch(
      `/v1/orders/${made.body.id}`,
      { taxRatePercent: 0 },
      { as: 'finance' },
    );
    expect(repriced.status).toBe(422);
    expect(repriced.body.errors).toEqual([
      expect.objectContaining({ pointer: '/taxRatePercent', code: 'immutable' }),
    ]);
  });

  it('makes one order when the same quote is ordered many times at once', async () => {
    const quoteId = await approvedQuote();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'finance' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await hub.api.all('orders', `quote=${quoteId}`)).toHaveLength(1);
  });

  it('refuses to order a quote that is not approved, and writes nothing', async () => {
    const draft = await hub.api.post('/v1/quotes', {
      name: 'Draft',
      accountId,
      currency: 'EUR',
      validUntil: '2027-06-30',
      lines: [{ productId: seat, quantity: 1 }],
    });
    const refused = await hub.api.post(`/v1/quotes/${draft.body.id}/order`, undefined, { as: 'finance' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: '/problems/quote-not-approved', status: 409 });
    expect(await hub.api.all('orders', `quote=${draft.body.id}`)).toEqual([]);
    expect((await hub.api.get(`/v1/quotes/${draft.body.id}`)).body.status).toBe('draft');
    expect((await hub.api.post('/v1/quotes/quo_nope/order', undefined, { as: 'finance' })).status).toBe(404);
  });

  it('lets only roles that sell or bill order a quote', async () => {
    const quoteId = await approvedQuote();
    expect((await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'support' })).status).toBe(
      403,
    );
    expect((await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'integration' })).status).toBe(
      403,
    );
  });
});

describe('the ledger of an order, document by document', () => {
  it('stays right through two partial shipments, two invoices, payments, a refund and a credit note', async () => {
    const orderId = (
      await hub.api.post(`/v1/quotes/${await approvedQuote()}/order`, undefined, { as: 'finance' })
    ).body.id as string;
    const post = (path: string, body: unknown, as: 'finance' | 'integration' = 'finance') =>
      hub.api.post(path, body, { as });

    const first = await post(
      `/v1/orders/${orderId}/shipments`,
      { lines: [{ line: 0, quantity: 1 }], erpRef: 'DN-1' },
      'integration',
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ orderId, accountId, value: 1_190_00 });
    expect((await order(orderId)).standing.fulfilment).toBe('partially_shipped');
    // The same report from the ERP again is the same shipment.
    const repeated = await post(
      `/v1/orders/${orderId}/shipments`,
      { lines: [{ line: 0, quantity: 1 }], erpRef: 'DN-1' },
      'integration',
    );
    expect(repeated.status).toBe(200);
    expect(repeated.body.id).toBe(first.body.id);

    const invoice1 = await post(`/v1/orders/${orderId}/invoices`, { shipmentId: first.body.id });
    expect(invoice1.status).toBe(201);
    expect(invoice1.body).toMatchObject({
      kind: 'invoice',
      amount: 1_190_00,
      status: 'open',
      currency: 'EUR',
    });
    expect(invoice1.body.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // A shipment is billed once.
    const again = await post(`/v1/orders/${orderId}/invoices`, { shipmentId: first.body.id });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(invoice1.body.id);

    const second = await post(`/v1/orders/${orderId}/shipments`, {
      lines: [
        { line: 0, quantity: 2 },
        { line: 1, quantity: 1 },
      ],
    });
    expect(second.body.value).toBe(2_975_00);
    const invoice2 = await post(`/v1/orders/${orderId}/invoices`, {});
    expect(invoice2.body.amount).toBe(2_975_00);
    expect((await order(orderId)).ledger).toMatchObject({
      ordered: 4_165_00,
      shipped: 4_165_00,
      invoiced: 4_165_00,
      outstanding: 4_165_00,
    });
    expect((await order(orderId)).standing).toEqual({
      fulfilment: 'shipped',
      billing: 'billed',
      payment: 'unpaid',
    });

    const pay = (invoiceId: string, body: Record<string, unknown>) =>
      post(`/v1/invoices/${invoiceId}/payments`, { currency: 'EUR', ...body }, 'integration');
    expect((await pay(invoice1.body.id, { amount: 500_00, externalId: 'bank-1' })).status).toBe(201);
    expect((await hub.api.get(`/v1/invoices/${invoice1.body.id}`)).body).toMatchObject({
      status: 'partly_paid',
      balance: { paid: 500_00, outstanding: 690_00 },
    });
    // The bank sends the same notification twice: one payment.
    const duplicate = await pay(invoice1.body.id, { amount: 500_00, externalId: 'bank-1' });
    expect(duplicate.status).toBe(200);
    expect(await hub.api.all('payments', `invoice=${invoice1.body.id}`)).toHaveLength(1);

    await pay(invoice1.body.id, { amount: 790_00, externalId: 'bank-2' });
    expect((await hub.api.get(`/v1/invoices/${invoice1.body.id}`)).body).toMatchObject({
      status: 'overpaid',
      balance: { outstanding: -100_00 },
    });
    const refund = await pay(invoice1.body.id, { kind: 'refund', amount: 100_00, externalId: 'refund-1' });
    expect(refund.body).toMatchObject({ kind: 'refund', amount: 100_00 });
    expect((await hub.api.get(`/v1/invoices/${invoice1.body.id}`)).body.status).toBe('paid');

    const credit = await post(`/v1/invoices/${invoice2.body.id}/credit-notes`, {
      lines: [{ line: 1, quantity: 1 }],
      reason: 'Workshop not held',
    });
    expect(credit.status).toBe(201);
    expect(credit.body).toMatchObject({ kind: 'credit_note', creditOf: invoice2.body.id, amount: 595_00 });
    await pay(invoice2.body.id, { amount: 2_380_00, externalId: 'bank-3' });

    const done = await order(orderId);
    expect(done.ledger).toMatchObject({
      ordered: 4_165_00,
      shipped: 4_165_00,
      invoiced: 4_165_00,
      credited: 595_00,
      paid: 3_670_00,
      refunded: 100_00,
      outstanding: 0,
    });
    expect(done.standing.payment).toBe('paid');
    expect((await hub.api.get(`/v1/invoices/${invoice2.body.id}`)).body.status).toBe('paid');
    expect((await hub.api.all('invoices', `order=${orderId}`)).map((i) => i.kind).sort()).toEqual([
      'credit_note',
      'invoice',
      'invoice',
    ]);
    // Every change of the ledger is in the order's history, with who made it.
    const history = (await hub.api.get(`/v1/orders/${orderId}/history?limit=50`)).body.items;
    // Two shipments, two invoices, three payments, a refund and a credit note.
    expect(history.filter((h: { action: string }) => h.action === 'ledger')).toHaveLength(9);
  });

  it('refuses bad, hostile and impossible documents with a clear 4xx, leaving the ledger as it was', async () => {
    const orderId = (
      await hub.api.post(`/v1/quotes/${await approvedQuote()}/order`, undefined, { as: 'finance' })
    ).body.id as string;
    const ship = (body: unknown) => hub.api.post(`/v1/orders/${orderId}/shipments`, body, { as: 'finance' });

    for (const [body, pointer] of [
      [{ lines: [{ line: 0, quantity: 4 }] }, '/lines'],
      [{ lines: [{ line: 7, quantity: 1 }] }, '/lines'],
      [{ lines: [{ line: 0, quantity: 0 }] }, '/lines/0/quantity'],
      [{ lines: [{ line: 0, quantity: 1.5 }] }, '/lines/0/quantity'],
      [{ lines: [] }, '/lines'],
      [{ lines: [{ line: 0, quantity: 1 }], value: 1 }, '/value'],
      [JSON.parse('{"lines":[{"line":0,"quantity":1}],"__proto__":{"x":1}}'), '/__proto__'],
    ] as [unknown, string][]) {
      await unchanged(orderId, async () => {
        const refused = await ship(body);
        expect(refused.status, JSON.stringify(body)).toBe(422);
        expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      });
    }
    await unchanged(orderId, async () => {
      expect(
        (
          await hub.api.post(`/v1/orders/${orderId}/shipments`, undefined, {
            as: 'finance',
            rawBody: '{',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await hub.api.post(
            '/v1/orders/ord_01JD0000000000000000000000/shipments',
            { lines: [{ line: 0, quantity: 1 }] },
            { as: 'finance' },
          )
        ).status,
      ).toBe(404);
      expect(
        (
          await hub.api.post(
            `/v1/orders/${orderId}/shipments`,
            { lines: [{ line: 0, quantity: 1 }] },
            { as: 'sales' },
          )
        ).status,
      ).toBe(403);
      const nothing = await hub.api.post(`/v1/orders/${orderId}/invoices`, {}, { as: 'finance' });
      expect(nothing.status).toBe(422);
      expect(nothing.body.errors[0]).toMatchObject({ pointer: '/lines', code: 'nothing_to_bill' });
      expect(
        (
          await hub.api.post(
            `/v1/orders/${orderId}/invoices`,
            { lines: [{ line: 1, quantity: 2 }] },
            { as: 'finance' },
          )
        ).status,
      ).toBe(422);
    });

    const invoice = (
      await hub.api.post(
        `/v1/orders/${orderId}/invoices`,
        { lines: [{ line: 1, quantity: 1 }] },
        { as: 'finance' },
      )
    ).body;
    const pay = (body: Record<string, unknown>) =>
      hub.api.post(
        `/v1/invoices/${invoice.id}/payments`,
        { currency: 'EUR', externalId: 'x-1', ...body },
        { as: 'integration' },
      );
    for (const [body, pointer] of [
      [{ amount: 0 }, '/amount'],
      [{ amount: -5 }, '/amount'],
      [{ amount: 10.5 }, '/amount'],
      [{ amount: 100, currency: 'USD' }, '/currency'],
      [{ amount: 100, currency: 'eur' }, '/currency'],
      [{ kind: 'refund', amount: 1 }, '/amount'],
      [{ amount: 100, externalId: '' }, '/externalId'],
    ] as [Record<string, unknown>, string][]) {
      await unchanged(orderId, async () => {
        const refused = await pay(body);
        expect(refused.status, JSON.stringify(body)).toBe(422);
        expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      });
    }
    expect(
      (
        await hub.api.post(
          '/v1/invoices/inv_01JD0000000000000000000000/payments',
          { amount: 1, currency: 'EUR', externalId: 'x' },
          { as: 'finance' },
        )
      ).status,
    ).toBe(404);
    expect((await pay({ amount: 100_00 })).status).toBe(201);
    // The same external id for another amount is someone's mistake, not a repeat.
    await unchanged(orderId, async () => {
      const clash = await pay({ amount: 200_00 });
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({ type: '/problems/external-id-used', field: '/externalId' });
    });
    // Credits beyond what the invoice billed, and credit notes of credit notes, are refused.
    await unchanged(orderId, async () => {
      const over = await hub.api.post(
        `/v1/invoices/${invoice.id}/credit-notes`,
        { lines: [{ line: 1, quantity: 2 }], reason: 'x' },
        { as: 'finance' },
      );
      expect(over.status).toBe(422);
      expect(over.body.errors[0]).toMatchObject({ pointer: '/lines', code: 'over_credited' });
      expect(
        (
          await hub.api.post(
            `/v1/invoices/${invoice.id}/credit-notes`,
            { lines: [{ line: 1, quantity: 1 }] },
            { as: 'finance' },
          )
        ).status,
      ).toBe(422);
    });
    // Documents of an order are made only through the order routes: the record routes only read.
    expect(
      (await hub.api.post('/v1/payments', { invoiceId: invoice.id, amount: 1 }, { as: 'admin' })).status,
    ).toBe(405);
    expect((await hub.api.patch(`/v1/invoices/${invoice.id}`, { amount: 1 }, { as: 'admin' })).status).toBe(
      405,
    );
    // A client cannot write the ledger.
    const forged = await hub.api.patch(`/v1/orders/${orderId}`, { ledger: { paid: 0 } }, { as: 'finance' });
    expect(forged.status).toBe(422);
  });

  it('applies documents racing on one order one after the other', async () => {
    const orderId = (
      await hub.api.post(`/v1/quotes/${await approvedQuote()}/order`, undefined, { as: 'finance' })
    ).body.id as string;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        hub.api.post(
          `/v1/orders/${orderId}/shipments`,
          { lines: [{ line: 0, quantity: 1 }] },
          { as: 'integration' },
        ),
      ),
    );
    // Three seats were ordered: three shipments of one go through, two are refused as too many.
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 422, 422]);
    const now = await order(orderId);
    expect(now.ledger.lines[0]).toMatchObject({ ordered: 3, shipped: 3 });
    expect(await hub.api.all('shipments', `order=${orderId}`)).toHaveLength(3);
  });

  it('creates an order directly for finance and integrations, priced from the catalogue', async () => {
    const made = await hub.api.post(
      '/v1/orders',
      { accountId, currency: 'EUR', lines: [{ productId: seat, quantity: 2 }], externalRef: 'erp-77' },
      { as: 'integration' },
    );
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'pending', ledger: { ordered: 2_000_00 } });
    const twice = await hub.api.post(
      '/v1/orders',
      { accountId, currency: 'EUR', lines: [{ productId: seat, quantity: 2 }], externalRef: 'erp-77' },
      { as: 'integration' },
    );
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ field: '/externalRef', heldBy: made.body.id });
    expect(
      (
        await hub.api.post(
          '/v1/orders',
          { accountId, currency: 'EUR', lines: [{ productId: seat, quantity: 1 }] },
          { as: 'sales' },
        )
      ).status,
    ).toBe(403);
  });
});
