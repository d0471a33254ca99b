/**
 * Reconciliation of one order against a fake ERP, drift by drift: what is reported, what is
 * fixed, and that a fix is the one the flow would make.
 */
import './support/env.ts';
import { describe, expect, it, vi } from 'vitest';
import { type ErpGateway, ErpRejectedError, type ErpSalesOrder } from '#connectors/erp/erp-gateway';
import { orderFromQuote } from '#functions/orders/use-cases/order-from-quote.use-case';
import type { OrderRecord } from '#functions/orders/use-cases/order-ledger';
import { reconcileOrder } from '#functions/orders/use-cases/reconcile.use-case';
import { storedRecord, testId } from './support/builders.ts';
import { recordDeps, source } from './support/record-deps.ts';

const QUOTE = testId('quo', 1);

function salesOrder(overrides: Partial<ErpSalesOrder> = {}): ErpSalesOrder {
  return {
    name: 'SO-2026-00001',
    reference: '',
    status: 'To Deliver and Bill',
    submitted: true,
    cancelled: false,
    total: 200_00,
    currency: 'EUR',
    lines: [{ itemCode: 'SEAT', quantity: 2, delivered: 0, billed: 0 }],
    ...overrides,
  };
}

function erp(so: ErpSalesOrder | undefined): ErpGateway {
  const missing = () => Promise.reject(new ErpRejectedError(404, 'DoesNotExistError', 'not found'));
  const gateway: ErpGateway = {
    creditInfo: vi.fn(),
    createSalesOrder: vi.fn(),
    salesOrder: vi.fn(async () => (so ? so : missing())),
    findSalesOrder: vi.fn(async () => so),
    listSalesOrders: vi.fn(),
    cancelSalesOrder: vi.fn(async () => {}),
    shipments: vi.fn(async () => []),
    createInvoice: vi.fn(),
    invoice: vi.fn(missing),
    cancelInvoice: vi.fn(),
    recordPayment: vi.fn(),
  };
  return gateway;
}

async function withOrder(fields: Record<string, unknown>, so: ErpSalesOrder | undefined) {
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
        lines: [
          {
            productId: testId('prd', 1),
            quantity: 2,
            unitPrice: 100_00,
            listPrice: 100_00,
            discountPercent: 0,
            amount: 200_00,
            discount: 0,
            net: 200_00,
          },
        ],
        totals: {
          listTotal: 200_00,
          subtotal: 200_00,
          headerDiscount: 0,
          net: 200_00,
          tax: 0,
          total: 200_00,
          discountPercent: 0,
        },
      },
      { id: QUOTE },
    ),
  );
  const { record } = await orderFromQuote(deps, QUOTE, source);
  const order = { ...record, ...fields, createdAt: '2026-03-01T00:00:00.000Z' } as OrderRecord;
  deps.store.put('order', order);
  const gateway = erp(so ? { ...so, reference: order.id } : undefined);
  return { deps: { ...deps, erp: gateway }, order, gateway };
}

describe('reconciling an order with the ERP', () => {
  it('finds nothing when the two agree (a cent a line of rounding allowed)', async () => {
    const { deps, order } = await withOrder(
      { status: 'confirmed', erp: { salesOrder: 'SO-2026-00001' } },
      salesOrder({ total: 200_01 }),
    );
    expect(await reconcileOrder(deps, order)).toEqual([]);
  });

  it('reports a total that differs, and a sales order cancelled in the ERP only', async () => {
    const { deps, order } = await withOrder(
      { status: 'confirmed', erp: { salesOrder: 'SO-2026-00001' } },
      salesOrder({ total: 180_00, cancelled: true }),
    );
    const drifts = await reconcileOrder(deps, order);
    expect(drifts.map((d) => [d.kind, d.fixed])).toEqual([
      ['cancelled-in-erp', false],
      ['amount-differs', false],
    ]);
    expect(drifts[1]?.detail).toBe('Junction €200.00, ERP sales order SO-2026-00001 €180.00');
  });

  it('reports a sales order the ERP does not have', async () => {
    const { deps, order } = await withOrder(
      { status: 'confirmed', erp: { salesOrder: 'SO-2026-00009' } },
      undefined,
    );
    expect(await reconcileOrder(deps, order)).toEqual([
      expect.objectContaining({ kind: 'missing-in-erp', detail: 'the ERP has no sales order SO-2026-00009' }),
    ]);
  });

  it('notes the ERP’s sales order on an order that did not name it', async () => {
    const { deps, order } = await withOrder({ status: 'pending' }, salesOrder());
    const drifts = await reconcileOrder(deps, order);
    expect(drifts).toEqual([expect.objectContaining({ kind: 'link-missing', fixed: true })]);
    expect(await deps.store.get('order', order.id)).toMatchObject({ erp: { salesOrder: 'SO-2026-00001' } });
    expect(deps.store.audits.at(-1)).toMatchObject({ action: 'reconcile' });
  });

  it('cancels in the ERP the live sales order of a cancelled order, unless it has shipped', async () => {
    const cancelled = { status: 'cancelled', erp: { salesOrder: 'SO-2026-00001' } };
    const open = await withOrder(cancelled, salesOrder());
    expect(await reconcileOrder(open.deps, open.order)).toEqual([
      expect.objectContaining({ kind: 'live-in-erp', fixed: true }),
    ]);
    expect(open.gateway.cancelSalesOrder).toHaveBeenCalledWith('SO-2026-00001');

    const shipped = await withOrder(
      cancelled,
      salesOrder({ lines: [{ itemCode: 'SEAT', quantity: 2, delivered: 1, billed: 0 }] }),
    );
    expect(await reconcileOrder(shipped.deps, shipped.order)).toEqual([
      expect.objectContaining({ kind: 'live-in-erp', fixed: false }),
    ]);
    expect(shipped.gateway.cancelSalesOrder).not.toHaveBeenCalled();
  });

  it('leaves an order on credit hold alone, and a young pending order without a sales order too', async () => {
    const held = await withOrder({ status: 'credit_hold' }, undefined);
    expect(await reconcileOrder(held.deps, held.order)).toEqual([]);
    expect(held.gateway.findSalesOrder).not.toHaveBeenCalled();
    const young = await withOrder({ status: 'pending' }, undefined);
    const order = { ...young.order, createdAt: young.deps.now().toISOString() };
    expect(await reconcileOrder(young.deps, order)).toEqual([]);
    expect(await reconcileOrder(young.deps, young.order)).toEqual([
      expect.objectContaining({ kind: 'missing-in-erp', fixed: false }),
    ]);
  });
});
