/**
 * The ERP adapter against the local ERP over real HTTP: the order-to-cash documents, the
 * idempotent writes (one sales order per order even when the answer to the create is lost after
 * the ERP committed), Retry-After honoured under a 429 storm, 5xx retried, the circuit opening
 * while the ERP is down and closing when it is back, and refusals that are not retried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErpRejectedError, ErpUnavailableError } from '#connectors/erp/erp-gateway';
import { type ErpNextOptions, erpNextGateway, toMajor, toMinor } from '#connectors/erp/erpnext-gateway';
import { type LocalErp, startLocalErp } from '#local/erp/erp-server';

let erp: LocalErp;
beforeAll(async () => {
  erp = await startLocalErp({ port: 0 });
});
afterAll(() => erp?.close());
afterEach(() => erp.clearFaults());

const CUSTOMER = 'Acme Europe GmbH';
let n = 0;
const reference = () => `ord_${Date.now()}_${n++}`;

function gateway(overrides: Partial<ErpNextOptions> = {}) {
  const retries: { attempt: number; delayMs: number; error: string }[] = [];
  const g = erpNextGateway({
    baseUrl: erp.url,
    authorization: erp.authorization,
    timeoutMs: 2_000,
    baseDelayMs: 10,
    maxDelayMs: 2_000,
    onRetry: (r) => retries.push(r),
    ...overrides,
  });
  return { g, retries };
}

const order = (ref: string, quantity = 3) => ({
  reference: ref,
  customer: CUSTOMER,
  currency: 'EUR',
  lines: [
    { itemCode: 'PLAT-SEAT-1Y', quantity, rate: 1_200_00 },
    { itemCode: 'SVC-ONB-DAY', quantity: 1, rate: 1_800_00 },
  ],
});

const ordersWith = (ref: string) => erp.books.list('Sales Order', [['po_no', '=', ref]], 0, 100).data;
const ship = async (salesOrder: string, items?: { item_code: string; qty: number }[]) => {
  const response = await fetch(`${erp.url}/api/local/ship`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sales_order: salesOrder, ...(items ? { items } : {}) }),
  });
  expect(response.status).toBe(201);
};

describe('the ERP adapter over the local ERP', () => {
  it('converts minor units to the ERP’s decimals and back, by the currency’s digits', () => {
    expect(toMajor(1_234_56, 'EUR')).toBe(1234.56);
    expect(toMinor(1234.56, 'EUR')).toBe(1_234_56);
    expect(toMajor(1500, 'JPY')).toBe(1500);
    expect(toMinor(12.345, 'KWD')).toBe(12_345);
  });

  it('creates and submits a sales order, and reads the customer’s credit', async () => {
    const { g } = gateway();
    const ref = reference();
    const so = await g.createSalesOrder(order(ref));
    expect(so).toMatchObject({ reference: ref, submitted: true, total: 5_400_00, currency: 'EUR' });
    expect(so.name).toMatch(/^SO-\d{4}-\d{5}$/);
    expect(so.status).toBe('To Deliver and Bill');
    const credit = await g.creditInfo(CUSTOMER);
    expect(credit).toMatchObject({ customer: CUSTOMER, currency: 'EUR', limit: 50_000_00 });
    expect(credit.outstanding).toBeGreaterThanOrEqual(0);
  });

  it('makes one sales order when the answer to the create is lost after the ERP committed it', async () => {
    const { g, retries } = gateway({ timeoutMs: 500 });
    const ref = reference();
    erp.injectFault({
      kind: 'timeout-after-commit',
      match: 'POST /api/v2/document/Sales Order',
      times: 1,
      ms: 2_000,
    });

    const so = await g.createSalesOrder(order(ref));

    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(ordersWith(ref)).toHaveLength(1);
    expect(ordersWith(ref)[0]).toMatchObject({ name: so.name, docstatus: 1 });
  });

  it('makes one sales order when the same order is sent twice at once', async () => {
    const { g } = gateway();
    const ref = reference();
    const [a, b] = await Promise.all([g.createSalesOrder(order(ref)), g.createSalesOrder(order(ref))]);
    expect(a.name).toBe(b.name);
    expect(ordersWith(ref)).toHaveLength(1);
  });

  it('waits what Retry-After says through a 429 storm, then succeeds', async () => {
    const { g, retries } = gateway();
    erp.injectFault({ kind: 'throttle', match: 'Customer', times: 2, retryAfter: 1 });
    const started = Date.now();

    await g.creditInfo(CUSTOMER);

    expect(retries.map((r) => r.delayMs)).toEqual([1000, 1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('retries a 5xx and gives up with ErpUnavailableError when it keeps failing', async () => {
    const { g, retries } = gateway({ maxAttempts: 3 });
    erp.injectFault({ kind: 'error', status: 503, match: 'GET /api/v2/document/Customer', times: 1 });
    await expect(g.creditInfo(CUSTOMER)).resolves.toMatchObject({ customer: CUSTOMER });
    expect(retries).toHaveLength(1);

    erp.injectFault({ kind: 'error', status: 502, match: 'GET /api/v2/document/Customer' });
    await expect(g.creditInfo(CUSTOMER)).rejects.toBeInstanceOf(ErpUnavailableError);
  });

  it('opens the circuit while the ERP is down, fails fast, and closes when it is back — with no order lost or doubled', async () => {
    const { g } = gateway({ maxAttempts: 2, breakerThreshold: 2, breakerCooldownMs: 1_500, timeoutMs: 300 });
    const ref = reference();
    erp.injectFault({ kind: 'down', forMs: 1_200 });

    await expect(g.createSalesOrder(order(ref))).rejects.toBeInstanceOf(ErpUnavailableError);
    const fast = Date.now();
    const open = await g.createSalesOrder(order(ref)).catch((e: unknown) => e);
    expect(open).toBeInstanceOf(ErpUnavailableError);
    expect((open as ErpUnavailableError).message).toMatch(/pause/);
    expect(Date.now() - fast).toBeLessThan(200);
    expect(ordersWith(ref)).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 1_600));
    const so = await g.createSalesOrder(order(ref));
    expect(ordersWith(ref)).toEqual([expect.objectContaining({ name: so.name })]);
  });

  it('does not retry what the ERP refuses: an unknown customer is one request and ErpRejectedError', async () => {
    const { g, retries } = gateway();
    const before = erp.requests().length;
    const refused = await g
      .createSalesOrder({ ...order(reference()), customer: 'Nobody Ltd' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ErpRejectedError);
    expect((refused as ErpRejectedError).excType).toBe('LinkValidationError');
    expect(retries).toEqual([]);
    expect(erp.requests().length - before).toBe(1);
  });

  it('refuses a wrong token', async () => {
    const g = erpNextGateway({ baseUrl: erp.url, authorization: 'token nope:nope', baseDelayMs: 1 });
    await expect(g.creditInfo(CUSTOMER)).rejects.toMatchObject({ name: 'ErpRejectedError', status: 401 });
  });

  it('follows two partial shipments to two invoices, payments, a refund and the customer’s balance', async () => {
    const { g } = gateway();
    const so = await g.createSalesOrder(order(reference()));
    const owedBefore = (await g.creditInfo(CUSTOMER)).outstanding;

    await ship(so.name, [{ item_code: 'PLAT-SEAT-1Y', qty: 1 }]);
    await ship(so.name);
    const shipments = await g.shipments(so.name);
    expect(shipments.map((s) => s.lines)).toEqual([
      [{ itemCode: 'PLAT-SEAT-1Y', quantity: 1, orderLine: 0 }],
      [
        { itemCode: 'PLAT-SEAT-1Y', quantity: 2, orderLine: 0 },
        { itemCode: 'SVC-ONB-DAY', quantity: 1, orderLine: 1 },
      ],
    ]);

    const first = await g.createInvoice({
      reference: `${so.reference}/inv-1`,
      salesOrder: so.name,
      shipment: shipments[0]?.name,
    });
    const again = await g.createInvoice({
      reference: `${so.reference}/inv-1`,
      salesOrder: so.name,
      shipment: shipments[0]?.name,
    });
    expect(again.name).toBe(first.name);
    const second = await g.createInvoice({
      reference: `${so.reference}/inv-2`,
      salesOrder: so.name,
      shipment: shipments[1]?.name,
    });
    expect([first.total, second.total]).toEqual([1_200_00, 4_200_00]);
    expect((await g.salesOrder(so.name)).status).toBe('Completed');
    expect((await g.creditInfo(CUSTOMER)).outstanding - owedBefore).toBe(5_400_00);

    const pay = (ref: string, amount: number, direction: 'receive' | 'refund' = 'receive') =>
      g.recordPayment({
        reference: `${so.reference}/${ref}`,
        invoice: first.name,
        amount,
        currency: 'EUR',
        direction,
      });
    const invoiceInErp = () => erp.books.get('Sales Invoice', first.name);
    await pay('bank-1', 1_000_00);
    // The same bank notification twice is one payment entry.
    await pay('bank-1', 1_000_00);
    expect(invoiceInErp()).toMatchObject({ status: 'Partly Paid', outstanding_amount: 200 });
    await pay('bank-2', 300_00);
    expect(invoiceInErp()).toMatchObject({ status: 'Credit Note Issued', outstanding_amount: -100 });
    await pay('refund-1', 100_00, 'refund');
    expect(invoiceInErp()).toMatchObject({ status: 'Paid', outstanding_amount: 0 });
  });

  it('cancels a sales order nothing was shipped against, once; refuses one that shipped', async () => {
    const { g } = gateway();
    const open = await g.createSalesOrder(order(reference()));
    await g.cancelSalesOrder(open.name);
    await g.cancelSalesOrder(open.name);
    expect((await g.salesOrder(open.name)).cancelled).toBe(true);

    const shipped = await g.createSalesOrder(order(reference()));
    await ship(shipped.name, [{ item_code: 'SVC-ONB-DAY', qty: 1 }]);
    await expect(g.cancelSalesOrder(shipped.name)).rejects.toMatchObject({
      name: 'ErpRejectedError',
      excType: 'LinkExistsError',
    });
  });
});
