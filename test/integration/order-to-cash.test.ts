/**
 * The order-to-cash workflow on the hub, with the local ERP over real HTTP and workflow time
 * running 3600× (an hour of polling passes in a second): an approved quote's order is
 * credit-checked, becomes one ERP sales order, follows two partial shipments from the ERP to two
 * invoices in Junction and in the ERP, and closes when paid; an order over the customer's credit
 * limit goes on hold; the ERP down when the order arrives loses nothing and doubles nothing.
 */
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { customer } from '../support/orders.ts';

interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  attachments?: { filename: string; contentType: string; content: string }[];
}

let hub: TestHub;
let orderOf: (seats: number) => Promise<string>;
let contactEmail: string;
let acme: Awaited<ReturnType<typeof customer>>;

beforeAll(async () => {
  hub = await startTestHub({ timeScale: 3600 });
  // The ERP knows this customer (credit limit 50,000 EUR) and these items: the demo catalogue.
  const c = await customer(hub, { seat: 1_200_00, workshop: 1_800_00 });
  acme = c;
  contactEmail = c.contactEmail;
  orderOf = async (seats) => {
    const quoteId = await c.approvedQuote(seats);
    const order = await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'finance' });
    expect(order.status).toBe(201);
    return order.body.id as string;
  };
});
afterAll(() => hub?.stop());

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const order = async (id: string) => (await hub.api.get(`/v1/orders/${id}`)).body;
const salesOrders = (reference: string) =>
  hub.erp.books.list('Sales Order', [['po_no', '=', reference]], 0, 100).data;
const ship = async (salesOrder: string, items?: { item_code: string; qty: number }[]) => {
  const response = await fetch(`${hub.urls.erp}/api/local/ship`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sales_order: salesOrder, ...(items ? { items } : {}) }),
  });
  expect(response.status).toBe(201);
};

describe('the order-to-cash workflow', () => {
  it('takes an order through credit check, the ERP sales order, two partial shipments and two invoices to closed', async () => {
    const id = await orderOf(2);

    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    const salesOrder = confirmed.erp.salesOrder as string;
    expect(salesOrders(id)).toEqual([
      expect.objectContaining({ name: salesOrder, docstatus: 1, grand_total: 4200 }),
    ]);

    await ship(salesOrder, [{ item_code: 'PLAT-SEAT-1Y', qty: 1 }]);
    const first = await until(
      'the first invoice',
      () => hub.api.all('invoices', `order=${id}`),
      (i) => i.length === 1,
    );
    expect(first[0]).toMatchObject({ amount: 1_200_00, status: 'open' });
    expect((await order(id)).standing.fulfilment).toBe('partially_shipped');

    await ship(salesOrder);
    const both = await until(
      'the second invoice',
      () => hub.api.all('invoices', `order=${id}`),
      (i) => i.length === 2,
    );
    expect(both.map((i) => i.amount).sort()).toEqual([1_200_00, 3_000_00]);
    // The ERP has the same two invoices, each referencing Junction's (the task writes Junction's
    // first, then the ERP's).
    const erpInvoices = await until(
      'the two ERP invoices',
      async () => hub.erp.books.list('Sales Invoice', [['sales_order', '=', salesOrder]], 0, 10).data,
      (i) => i.length === 2,
    );
    expect(erpInvoices.map((i) => i.po_no).sort()).toEqual(both.map((i) => i.id).sort());
    expect(hub.erp.books.get('Sales Order', salesOrder).status).toBe('Completed');
    // Each invoice reached the order's contact once, with its PDF.
    const mails = await until(
      'two invoice emails',
      async () =>
        ((await (await fetch(`${hub.urls.ses}/store`)).json()) as { emails: StoredEmail[] }).emails.filter(
          (e) => e.destination.to.includes(contactEmail),
        ),
      (m) => m.length === 2,
    );
    for (const invoice of both) {
      const mail = mails.find((m) => m.subject.startsWith(`Invoice ${invoice.id} for`));
      expect(mail?.attachments).toEqual([
        expect.objectContaining({ filename: `${invoice.id}.pdf`, contentType: 'application/pdf' }),
      ]);
      expect(Buffer.from(String(mail?.attachments?.[0]?.content), 'base64').subarray(0, 5).toString()).toBe(
        '%PDF-',
      );
    }
    const invoiceHistory = (await hub.api.get(`/v1/invoices/${both[0]?.id}/history`)).body.items;
    expect(invoiceHistory.map((h: { action: string }) => h.action)).toContain('emailed');

    for (const [n, invoice] of both.entries())
      expect(
        (
          await hub.api.post(
            `/v1/invoices/${invoice.id}/payments`,
            { amount: invoice.amount, currency: 'EUR', externalId: `bank-${id}-${n}` },
            { as: 'integration' },
          )
        ).status,
      ).toBe(201);
    const closed = await until(
      'the order closed',
      () => order(id),
      (o) => o.status === 'closed',
    );
    expect(closed.ledger).toMatchObject({
      ordered: 4_200_00,
      shipped: 4_200_00,
      invoiced: 4_200_00,
      paid: 4_200_00,
      outstanding: 0,
    });
    // The payments are booked in the ERP against its invoices, once each: both invoices are paid there.
    for (const invoice of await hub.api.all('invoices', `order=${id}`))
      expect(hub.erp.books.get('Sales Invoice', invoice.erpRef)).toMatchObject({
        status: 'Paid',
        outstanding_amount: 0,
      });
    const payments = await hub.api.all('payments', `order=${id}`);
    expect(payments.every((p) => typeof p.erpRef === 'string')).toBe(true);
    expect(
      hub.erp.books.list('Payment Entry', [['reference_no', 'in', payments.map((p) => p.id)]], 0, 10).data,
    ).toHaveLength(2);

    const executions = await until(
      'the execution to succeed',
      async () => (await hub.api.get(`/v1/executions?record=order:${id}`)).body.items,
      (items: { status: string }[]) => items[0]?.status === 'SUCCEEDED',
    );
    expect(executions).toHaveLength(1);
    const history = (await hub.api.get(`/v1/orders/${id}/history?limit=50`)).body.items.map(
      (h: { action: string }) => h.action,
    );
    expect(history).toEqual(expect.arrayContaining(['create', 'credit-check', 'confirm', 'ledger', 'close']));
  });

  it('bills a per-order order once, when all has shipped, and closes it after a partial payment, an over-payment and a refund', async () => {
    const made = await hub.api.post(
      '/v1/orders',
      {
        accountId: acme.accountId,
        contactId: acme.contactId,
        currency: 'EUR',
        invoicing: 'per_order',
        lines: [
          { productId: acme.seat, quantity: 2 },
          { productId: acme.workshop, quantity: 1 },
        ],
      },
      { as: 'finance' },
    );
    expect(made.status, made.text).toBe(201);
    const id = made.body.id as string;
    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    await ship(confirmed.erp.salesOrder, [{ item_code: 'PLAT-SEAT-1Y', qty: 1 }]);
    await until(
      'the first shipment',
      () => hub.api.all('shipments', `order=${id}`),
      (s) => s.length === 1,
    );
    // Partly shipped: nothing billed yet.
    expect(await hub.api.all('invoices', `order=${id}`)).toEqual([]);
    await ship(confirmed.erp.salesOrder);
    const [invoice] = await until(
      'the one invoice',
      () => hub.api.all('invoices', `order=${id}`),
      (i) => i.length === 1,
    );
    expect(invoice).toMatchObject({ amount: 4_200_00, status: 'open' });
    await until(
      'both shipments',
      () => hub.api.all('shipments', `order=${id}`),
      (s) => s.length === 2,
    );
    expect(await hub.api.all('invoices', `order=${id}`)).toHaveLength(1);

    const pay = (body: Record<string, unknown>) =>
      hub.api.post(
        `/v1/invoices/${invoice?.id}/payments`,
        { currency: 'EUR', ...body },
        { as: 'integration' },
      );
    expect((await pay({ amount: 1_000_00, externalId: `p1-${id}` })).status).toBe(201);
    expect((await order(id)).ledger).toMatchObject({ paid: 1_000_00, outstanding: 3_200_00 });
    expect((await pay({ amount: 3_500_00, externalId: `p2-${id}` })).status).toBe(201);
    expect((await order(id)).ledger).toMatchObject({ paid: 4_500_00, outstanding: -300_00 });
    expect((await order(id)).standing.payment).toBe('overpaid');
    // Overpaid, the order stays open for the refund of the excess.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await order(id)).status).toBe('confirmed');
    // Refunding more than was overpaid is fine up to what was paid; beyond it is refused.
    expect((await pay({ kind: 'refund', amount: 4_600_00, externalId: `r0-${id}` })).status).toBe(422);
    expect((await pay({ kind: 'refund', amount: 300_00, externalId: `r1-${id}` })).status).toBe(201);
    expect((await order(id)).ledger).toMatchObject({ paid: 4_500_00, refunded: 300_00, outstanding: 0 });
    const closed = await until(
      'the order closed',
      () => order(id),
      (o) => o.status === 'closed',
    );
    expect(closed.ledger).toMatchObject({
      invoiced: 4_200_00,
      paid: 4_500_00,
      refunded: 300_00,
      outstanding: 0,
    });
    // The ERP has the one invoice, paid: two receipts and a refund booked against it.
    expect(
      hub.erp.books.get('Sales Invoice', (await hub.api.get(`/v1/invoices/${invoice?.id}`)).body.erpRef),
    ).toMatchObject({
      outstanding_amount: 0,
    });
    const payments = await hub.api.all('payments', `order=${id}`);
    expect(payments.every((p) => typeof p.erpRef === 'string')).toBe(true);
    expect(payments).toHaveLength(3);
  });

  it('voids an invoice issued ahead of shipment when the order is cancelled: a full credit note, and nothing live in the ERP', async () => {
    const id = await orderOf(1);
    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    const prepayment = await hub.api.post(
      `/v1/orders/${id}/invoices`,
      { lines: [{ line: 0, quantity: 1 }] },
      { as: 'finance' },
    );
    expect(prepayment.status, prepayment.text).toBe(201);
    const cancel = () =>
      hub.api.post(`/v1/orders/${id}/cancel`, { reason: 'Customer withdrew' }, { as: 'finance' });
    const cancelled = await cancel();
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.ledger).toMatchObject({ invoiced: 1_200_00, credited: 1_200_00, outstanding: 0 });
    expect((await cancel()).status).toBe(200);
    const invoices = await hub.api.all('invoices', `order=${id}`);
    expect(invoices.map((i) => [i.kind, i.status, i.amount]).sort()).toEqual(
      [
        ['credit_note', 'credited', 1_200_00],
        ['invoice', 'credited', 1_200_00],
      ].sort(),
    );
    expect(invoices.find((i) => i.kind === 'credit_note')?.reason).toBe('Order cancelled: Customer withdrew');
    await until(
      'the ERP order cancelled',
      async () => hub.erp.books.get('Sales Order', confirmed.erp.salesOrder),
      (d) => d.docstatus === 2,
    );
  });

  it('puts an order over the customer’s credit limit on hold, asks finance, and goes on to the ERP once released', async () => {
    const finance = await hub.api.post('/v1/users', {
      name: 'Fran Finance',
      email: 'fran.finance@example.com',
      role: 'finance',
    });
    expect(finance.status).toBe(201);
    // 45 seats at 1,200 EUR and a workshop: 55,800 EUR, over the 50,000 limit.
    const id = await orderOf(45);
    const held = await until(
      'the credit hold',
      () => order(id),
      (o) => o.status === 'credit_hold',
    );
    expect(held.erp.salesOrder).toBeUndefined();
    expect(salesOrders(id)).toEqual([]);
    const history = async () =>
      (
        (await hub.api.get(`/v1/orders/${id}/history?limit=50`)).body.items as {
          action: string;
          summary: string;
        }[]
      )
        .slice()
        .reverse();
    const hold = (await history()).find((h) => h.action === 'credit-hold');
    expect(hold?.summary).toMatch(/over the limit of €50,000\.00/);
    // Finance is asked by email, once, and the order's history says whom.
    const asked = await until(
      'finance asked',
      async () =>
        ((await (await fetch(`${hub.urls.ses}/store`)).json()) as { emails: StoredEmail[] }).emails.filter(
          (e) => e.destination.to.includes('fran.finance@example.com') && e.subject.includes(id),
        ),
      (m) => m.length === 1,
    );
    expect(asked[0]?.subject).toBe(`Credit hold: ${held.erp.customer}, order ${id} for €55,800.00`);
    await until('the request noted', history, (h) => h.some((e) => e.action === 'credit-release-requested'));
    expect((await history()).find((e) => e.action === 'credit-release-requested')?.summary).toContain(
      'Fran Finance',
    );

    // Neither sales nor a bad body can answer it; nothing changes.
    const decide = (body: unknown, as: 'finance' | 'sales' = 'finance') =>
      hub.api.post(`/v1/orders/${id}/credit-decision`, body, { as });
    expect((await decide({ decision: 'release' }, 'sales')).status).toBe(403);
    expect((await decide({ decision: 'maybe' })).status).toBe(422);
    const noReason = await decide({ decision: 'refuse' });
    expect(noReason.status).toBe(422);
    expect(JSON.stringify(noReason.body)).toContain('say why the credit is refused');
    expect((await order(id)).status).toBe('credit_hold');

    const released = await decide({ decision: 'release', comment: 'Prepayment agreed' });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({
      status: 'pending',
      creditDecision: { decision: 'release', comment: 'Prepayment agreed' },
    });
    const confirmed = await until(
      'the sales order after release',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    expect(salesOrders(id)).toEqual([
      expect.objectContaining({ name: confirmed.erp.salesOrder, docstatus: 1 }),
    ]);
    // The same decision again answers the order; the other one is refused.
    expect((await decide({ decision: 'release' })).status).toBe(200);
    expect((await decide({ decision: 'refuse', comment: 'Too late' })).status).toBe(409);
    // The execution's timeline shows the wait and who answered it.
    const timeline = (await hub.api.get(`/v1/executions/order-to-cash.${id}`)).body;
    const wait = timeline.states.find((s: { name: string }) => s.name === 'Credit Hold');
    expect(wait.attempts[0].callback).toMatchObject({
      settlement: 'success',
      settledBy: { channel: 'api', href: `/v1/orders/${id}/history` },
    });
    expect(JSON.stringify(timeline)).not.toMatch(/"taskToken":"(?!\[task token)/);
  });

  it('cancels an order on credit hold that finance refuses; the ERP never hears of it', async () => {
    const id = await orderOf(46);
    await until(
      'the credit hold',
      () => order(id),
      (o) => o.status === 'credit_hold',
    );
    const refused = await hub.api.post(
      `/v1/orders/${id}/credit-decision`,
      { decision: 'refuse', comment: 'Two invoices 90 days overdue' },
      { as: 'finance' },
    );
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({
      status: 'cancelled',
      cancellation: { reason: 'Credit refused: Two invoices 90 days overdue' },
    });
    const runs = await until(
      'the flow to end',
      async () => (await hub.api.get(`/v1/executions?record=order:${id}`)).body.items as { status: string }[],
      (items) => items[0]?.status === 'SUCCEEDED',
    );
    expect(runs).toHaveLength(1);
    expect(salesOrders(id)).toEqual([]);
    // An order not on hold cannot be released.
    const again = await hub.api.post(
      `/v1/orders/${id}/credit-decision`,
      { decision: 'release' },
      { as: 'finance' },
    );
    expect(again.status).toBe(409);
  });

  it('loses nothing and doubles nothing while the ERP is down, or loses the answer after committing', async () => {
    // An hour of workflow time.
    hub.erp.injectFault({ kind: 'down', match: 'Sales Order', forMs: 1_000 });
    hub.erp.injectFault({
      kind: 'timeout-after-commit',
      match: 'POST /api/v2/document/Sales Order',
      times: 1,
      ms: 100,
    });
    const id = await orderOf(1);

    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
      60_000,
    );
    expect(salesOrders(id)).toEqual([
      expect.objectContaining({ name: confirmed.erp.salesOrder, docstatus: 1 }),
    ]);
    expect(hub.erp.requests().some((r) => r.path.includes('Sales Order') && r.status === 0)).toBe(true);
  });

  it('honours a storm of 429s with Retry-After and still makes exactly one sales order', async () => {
    hub.erp.injectFault({
      kind: 'throttle',
      match: 'POST /api/v2/document/Sales Order',
      retryAfter: 1,
      times: 4,
    });
    const id = await orderOf(1);
    const confirmed = await until(
      'the sales order through the storm',
      () => order(id),
      (o) => o.status === 'confirmed',
      60_000,
    );
    expect(salesOrders(id)).toEqual([expect.objectContaining({ name: confirmed.erp.salesOrder })]);
    const creates = hub.erp
      .requests()
      .filter((r) => r.method === 'POST' && r.path === '/api/v2/document/Sales Order')
      .slice(-5);
    expect(creates.map((r) => r.status)).toEqual([429, 429, 429, 429, 200]);
    // Each try after a 429 came no sooner than the second the ERP asked for (clock tolerance aside).
    for (let i = 1; i < creates.length; i++)
      expect(
        Date.parse(String(creates[i]?.at)) - Date.parse(String(creates[i - 1]?.at)),
      ).toBeGreaterThanOrEqual(950);
  });

  it('fails an order the ERP refuses into a dead letter that an admin sees and replays, once', async () => {
    hub.erp.injectFault({
      kind: 'error',
      status: 417,
      match: 'POST /api/v2/document/Sales Order',
      times: 1,
    });
    const id = await orderOf(1);
    const letters = await until(
      'the dead letter',
      async () => (await hub.api.get('/v1/admin/dead-letters?status=open&workflow=order-to-cash')).body.items,
      (items: { record?: { id: string } }[]) => items.some((l) => l.record?.id === id),
    );
    const letter = letters.find((l: { record?: { id: string } }) => l.record?.id === id) as {
      id: string;
      state: Record<string, unknown>;
    };
    expect(letter).toMatchObject({
      id: `order-to-cash.${id}`,
      workflow: 'order-to-cash',
      record: { type: 'order', id },
      error: 'ErpRejectedError',
      status: 'open',
      state: { orderId: id },
      replays: [],
    });
    expect(letter.state.error).toBeUndefined();
    expect((await order(id)).status).toBe('pending');
    expect(salesOrders(id)).toEqual([]);
    // Only admins see or replay them; a bad id is a 404.
    expect((await hub.api.get('/v1/admin/dead-letters', { as: 'finance' })).status).toBe(403);
    expect((await hub.api.get('/v1/admin/dead-letters/order-to-cash.ord_nope')).status).toBe(404);
    expect((await hub.api.post('/v1/admin/dead-letters/nonsense/replay', undefined)).status).toBe(404);

    const replayed = await hub.api.post(`/v1/admin/dead-letters/${letter.id}/replay`, undefined);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({
      status: 'replayed',
      replays: [{ execution: `order-to-cash.${id}-r1`, by: { kind: 'api-key' } }],
    });
    const confirmed = await until(
      'the replayed order confirmed',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    expect(salesOrders(id)).toEqual([expect.objectContaining({ name: confirmed.erp.salesOrder })]);
    // The order's executions show the failed run and its replay.
    const runs = (await hub.api.get(`/v1/executions?record=order:${id}&workflow=order-to-cash`)).body
      .items as {
      id: string;
      status: string;
    }[];
    expect(runs.map((r) => [r.id, r.status]).sort()).toEqual([
      [`order-to-cash.${id}`, 'FAILED'],
      [`order-to-cash.${id}-r1`, 'RUNNING'],
    ]);
    // Discarding needs a reason; a discarded letter is not replayed.
    expect((await hub.api.post(`/v1/admin/dead-letters/${letter.id}/discard`, {})).status).toBe(422);
    const discarded = await hub.api.post(`/v1/admin/dead-letters/${letter.id}/discard`, {
      reason: 'Replayed and confirmed',
    });
    expect(discarded.body).toMatchObject({
      status: 'discarded',
      discarded: { reason: 'Replayed and confirmed' },
    });
    expect((await hub.api.post(`/v1/admin/dead-letters/${letter.id}/replay`, undefined)).status).toBe(409);
    // Cancelling the order stops the replay too.
    expect(
      (await hub.api.post(`/v1/orders/${id}/cancel`, { reason: 'Changed their mind' }, { as: 'finance' }))
        .status,
    ).toBe(200);
    await until(
      'the replay stopped',
      async () =>
        (await hub.api.get(`/v1/executions?record=order:${id}&workflow=order-to-cash`)).body.items as {
          id: string;
          status: string;
        }[],
      (items) => items.some((e) => e.id === `order-to-cash.${id}-r1` && e.status === 'ABORTED'),
    );
  });

  it('reconciles with the ERP on demand: reports every drift, and fixes the safe ones', async () => {
    // An order whose flow stopped after its sales order; the ERP then ships it: Junction never heard.
    const id = await orderOf(1);
    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    const orderToCash = hub.stateMachines.find((m) => m.name === 'order-to-cash')?.arn ?? '';
    await new SFNClient({ endpoint: hub.urls.sfn }).send(
      new StopExecutionCommand({
        executionArn: `${orderToCash.replace(':stateMachine:', ':execution:')}:${id}`,
        cause: 'test',
      }),
    );
    await ship(confirmed.erp.salesOrder);
    // A sales order someone keyed into the ERP by hand, for no order of Junction's.
    const stray = hub.erp.books.insert('Sales Order', {
      customer: confirmed.erp.customer,
      po_no: 'PHONE-ORDER-42',
      currency: 'EUR',
      items: [{ item_code: 'PLAT-SEAT-1Y', qty: 1, rate: 1200 }],
    });
    hub.erp.books.submit('Sales Order', stray.name);

    expect((await hub.api.post('/v1/admin/reconciliations', undefined, { as: 'sales' })).status).toBe(403);
    const started = await hub.api.post('/v1/admin/reconciliations', undefined, { as: 'finance' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: 'running',
      execution: `order-reconciliation.${started.body.id}`,
    });
    const run = await until(
      'the run done',
      async () => (await hub.api.get(`/v1/admin/reconciliations/${started.body.id}`, { as: 'finance' })).body,
      (r) => r.status !== 'running',
    );
    expect(run.status).toBe('done');
    expect(run.drifts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'shipment-unknown', fixed: true, fix: 'recorded and invoiced' }),
        expect.objectContaining({ kind: 'unknown-in-junction', subject: `erp:${stray.name}`, fixed: false }),
      ]),
    );
    expect(run.drifts.filter((d: { subject: string }) => d.subject === `order:${id}`)).toEqual([]);
    expect(run.ordersChecked).toBeGreaterThan(0);
    // The fix: the shipment is recorded and invoiced, as the flow would have.
    expect(await hub.api.all('shipments', `order=${id}`)).toHaveLength(1);
    expect(await hub.api.all('invoices', `order=${id}`)).toHaveLength(1);

    // A second run finds the fixed drift gone and the reported one still there; nothing is doubled.
    const again = await hub.api.post('/v1/admin/reconciliations', undefined, { as: 'admin' });
    const second = await until(
      'the second run done',
      async () => (await hub.api.get(`/v1/admin/reconciliations/${again.body.id}`)).body,
      (r) => r.status !== 'running',
    );
    expect(second.drifts.some((d: { kind: string }) => d.kind === 'shipment-unknown')).toBe(false);
    expect(second.drifts.some((d: { subject: string }) => d.subject === `erp:${stray.name}`)).toBe(true);
    expect(await hub.api.all('invoices', `order=${id}`)).toHaveLength(1);
    const list = (await hub.api.get('/v1/admin/reconciliations')).body.items;
    expect(list.map((r: { id: string }) => r.id).slice(0, 2)).toEqual([again.body.id, started.body.id]);
    expect(list[0].drifts).toBeUndefined();
    expect((await hub.api.get('/v1/admin/reconciliations/rec_nope')).status).toBe(404);
  });

  it('cancels an order before it ships: the flow stops and the ERP sales order is cancelled, once', async () => {
    const id = await orderOf(1);
    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
    );

    const cancel = () =>
      hub.api.post(`/v1/orders/${id}/cancel`, { reason: 'Customer withdrew' }, { as: 'finance' });
    const first = await cancel();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'cancelled', cancellation: { reason: 'Customer withdrew' } });
    expect((await cancel()).status).toBe(200);

    await until(
      'the ERP order cancelled',
      async () => hub.erp.books.get('Sales Order', confirmed.erp.salesOrder),
      (d) => d.docstatus === 2,
    );
    const compensated = await until(
      'the compensation noted',
      () => order(id),
      (o) => o.erp?.cancelled === true,
    );
    expect(compensated.erp.salesOrder).toBe(confirmed.erp.salesOrder);
    const runs = await until(
      'the flow stopped',
      async () =>
        (await hub.api.get(`/v1/executions?record=order:${id}`)).body.items as {
          workflow: string;
          status: string;
        }[],
      (items) => items.some((e) => e.workflow === 'order-to-cash' && e.status === 'ABORTED'),
    );
    expect(runs.filter((e) => e.workflow === 'order-cancellation')).toHaveLength(1);
    // A cancelled order takes no more documents.
    const late = await hub.api.post(
      `/v1/orders/${id}/shipments`,
      { lines: [{ line: 0, quantity: 1 }] },
      { as: 'integration' },
    );
    expect(late.status).toBe(409);
  });

  it('refuses to cancel an order that has shipped: that is a credit note and a refund', async () => {
    const id = await orderOf(1);
    const confirmed = await until(
      'the sales order',
      () => order(id),
      (o) => o.status === 'confirmed',
    );
    await ship(confirmed.erp.salesOrder, [{ item_code: 'SVC-ONB-DAY', qty: 1 }]);
    await until(
      'the shipment',
      () => hub.api.all('shipments', `order=${id}`),
      (s) => s.length === 1,
    );

    const refused = await hub.api.post(`/v1/orders/${id}/cancel`, { reason: 'Too late' }, { as: 'finance' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: '/problems/order-shipped' });
    expect((await order(id)).status).not.toBe('cancelled');
    expect(hub.erp.books.get('Sales Order', confirmed.erp.salesOrder).docstatus).toBe(1);
    expect((await hub.api.post(`/v1/orders/${id}/cancel`, {}, { as: 'finance' })).status).toBe(422);
    expect((await hub.api.post(`/v1/orders/${id}/cancel`, { reason: 'x' }, { as: 'sales' })).status).toBe(
      403,
    );
  });

  it('leaves no live sales order when an order is cancelled while the ERP is down', async () => {
    hub.erp.injectFault({ kind: 'down', match: 'Sales Order', forMs: 1_500 });
    const id = await orderOf(1);
    expect(
      (await hub.api.post(`/v1/orders/${id}/cancel`, { reason: 'Duplicate' }, { as: 'finance' })).status,
    ).toBe(200);

    await until(
      'the compensation noted',
      () => order(id),
      (o) => o.erp?.cancelled === true,
      60_000,
    );
    const live = salesOrders(id).filter((d) => d.docstatus !== 2);
    expect(live).toEqual([]);
  });
});
