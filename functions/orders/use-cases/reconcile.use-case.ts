/**
 * Reconciliation: Junction's orders against the ERP's books, reporting every drift and fixing
 * what is safe to fix. Run by the order-reconciliation workflow (daily on AWS, on demand with
 * POST /v1/admin/reconciliations), a page at a time, so a run of any size fits in its tasks.
 *
 * Junction's side (reconcileOrders), for each order past its credit check:
 *   missing-in-erp         confirmed with a sales order the ERP does not have, or pending for an
 *                          hour with none — reported (the flow's dead letter says why)
 *   link-missing           the ERP has the order's sales order but the order does not name it —
 *                          fixed: noted on the order
 *   amount-differs         the sales order's total differs from the order's by more than the
 *                          ERP's rounding of line rates (a cent a line) — reported
 *   cancelled-in-erp       cancelled in the ERP, not in Junction — reported
 *   live-in-erp            cancelled in Junction, live in the ERP — fixed when nothing has
 *                          shipped: cancelled in the ERP, as the compensation does
 *   shipment-unknown       a delivery note Junction has not recorded — fixed on an open order:
 *                          recorded and invoiced, as the flow does
 *   shipment-missing-in-erp a shipment Junction has from the ERP that the ERP no longer lists
 *   invoice-amount-differs an invoice whose ERP invoice bills another total — reported
 * The ERP's side (reconcileErp): unknown-in-junction, a sales order whose reference names no
 * Junction order — reported.
 *
 * Every fix is one the flow itself would make, and idempotent; anything that needs judgement
 * (money that differs, documents one side lacks) is reported for a person.
 */
import type { ErpSalesOrder } from '#connectors/erp/erp-gateway';
import { ErpRejectedError } from '#connectors/erp/erp-gateway';
import type { Actor } from '#schemas/audit';
import type { Drift, ReconciliationStore } from '#store/reconciliations';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import { formatMoney } from '../../shared/html.ts';
import type { OrderFlowDeps } from '../ports.ts';
import { compensateOrder } from './compensate-order.use-case.ts';
import { moveOrder } from './order-flow.ts';
import { documentsOf, type OrderRecord } from './order-ledger.ts';
import { syncShipments } from './sync-shipments.use-case.ts';

export type ReconcileDeps = OrderFlowDeps & {
  runs: Pick<ReconciliationStore, 'open' | 'addPage' | 'finish'>;
};

export interface ReconcileState {
  runId: string;
  by?: Actor;
  /** Where the next page of Junction's orders starts. */
  cursor?: string;
  /** Where the next page of the ERP's sales orders starts; set once Junction's side is done. */
  erpStart?: number;
  done?: boolean;
}

export const SCHEDULE_ACTOR: Actor = {
  id: 'order-reconciliation',
  name: 'Scheduled reconciliation',
  kind: 'system',
};
const PAGE = 50;
/** An order this long pending without a sales order is late, not merely in flight. */
const PENDING_GRACE_MS = 3600_000;

const notFound = (error: unknown) => error instanceof ErpRejectedError && error.status === 404;

async function salesOrderOrMissing(deps: OrderFlowDeps, name: string): Promise<ErpSalesOrder | undefined> {
  try {
    return await deps.erp.salesOrder(name);
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/** The drifts of one order, fixing what is safe. */
export async function reconcileOrder(deps: OrderFlowDeps, order: OrderRecord): Promise<Drift[]> {
  const drifts: Drift[] = [];
  const subject = `order:${order.id}`;
  const money = (n: number) => formatMoney(n, order.currency);
  if (order.status === 'credit_hold') return drifts;
  const erp = (order.erp ?? {}) as { salesOrder?: string; cancelled?: boolean };
  let salesOrder = erp.salesOrder ? await salesOrderOrMissing(deps, erp.salesOrder) : undefined;

  if (erp.salesOrder && !salesOrder) {
    drifts.push({
      kind: 'missing-in-erp',
      subject,
      detail: `the ERP has no sales order ${erp.salesOrder}`,
      fixed: false,
    });
    return drifts;
  }
  if (!erp.salesOrder) {
    const found = await deps.erp.findSalesOrder(order.id);
    if (found && order.status !== 'cancelled') {
      await moveOrder(deps, order.id, (current) =>
        (current.erp as { salesOrder?: string } | undefined)?.salesOrder
          ? undefined
          : {
              fields: { erp: { ...(current.erp as object | undefined), salesOrder: found.name } },
              action: 'reconcile',
              summary: `Reconciliation: the ERP's sales order ${found.name} noted`,
            },
      );
      drifts.push({
        kind: 'link-missing',
        subject,
        detail: `the ERP has sales order ${found.name} for this order; the order did not name it`,
        fixed: true,
        fix: 'noted on the order',
      });
      salesOrder = found;
    } else if (found && order.status === 'cancelled') {
      salesOrder = found;
    } else {
      const late = Date.parse(order.createdAt) < deps.now().getTime() - PENDING_GRACE_MS;
      if (order.status !== 'cancelled' && late)
        drifts.push({
          kind: 'missing-in-erp',
          subject,
          detail: `${order.status} since ${order.createdAt} and the ERP has no sales order for it`,
          fixed: false,
        });
      return drifts;
    }
  }
  if (!salesOrder) return drifts;

  if (order.status === 'cancelled') {
    if (!salesOrder.cancelled) {
      const shipped = salesOrder.lines.some((l) => l.delivered > 0);
      if (!shipped) await compensateOrder(deps, { orderId: order.id, pollSeconds: 1 });
      drifts.push({
        kind: 'live-in-erp',
        subject,
        detail: `cancelled in Junction; sales order ${salesOrder.name} is live in the ERP${shipped ? ' and has shipped' : ''}`,
        fixed: !shipped,
        ...(shipped ? {} : { fix: `sales order ${salesOrder.name} cancelled in the ERP` }),
      });
    }
    return drifts;
  }
  if (salesOrder.cancelled)
    drifts.push({
      kind: 'cancelled-in-erp',
      subject,
      detail: `sales order ${salesOrder.name} is cancelled in the ERP; the order is ${order.status}`,
      fixed: false,
    });
  const lines = (order.lines as unknown[]).length;
  if (Math.abs(salesOrder.total - order.ledger.ordered) > lines)
    drifts.push({
      kind: 'amount-differs',
      subject,
      detail: `Junction ${money(order.ledger.ordered)}, ERP sales order ${salesOrder.name} ${formatMoney(salesOrder.total, salesOrder.currency)}`,
      fixed: false,
    });

  const erpShipments = await deps.erp.shipments(salesOrder.name);
  const recorded = await documentsOf(deps, 'shipment', order.id);
  const known = new Set(recorded.map((s) => s.erpRef));
  const unknown = erpShipments.filter((s) => !known.has(s.name));
  if (unknown.length > 0) {
    const open = order.status === 'pending' || order.status === 'confirmed';
    if (open) await syncShipments(deps, { orderId: order.id, pollSeconds: 1, salesOrder: salesOrder.name });
    for (const s of unknown)
      drifts.push({
        kind: 'shipment-unknown',
        subject: `shipment:${s.name}`,
        detail: `delivery note ${s.name} of ${salesOrder.name} (order ${order.id}) was not recorded in Junction`,
        fixed: open,
        ...(open ? { fix: 'recorded and invoiced' } : {}),
      });
  }
  const listed = new Set(erpShipments.map((s) => s.name));
  for (const s of recorded)
    if (typeof s.erpRef === 'string' && !listed.has(s.erpRef))
      drifts.push({
        kind: 'shipment-missing-in-erp',
        subject: `shipment:${s.id}`,
        detail: `shipment ${s.id} came from delivery note ${s.erpRef}, which the ERP no longer lists as submitted`,
        fixed: false,
      });

  for (const invoice of await documentsOf(deps, 'invoice', order.id)) {
    if (typeof invoice.erpRef !== 'string') continue;
    let total: number | undefined;
    try {
      total = (await deps.erp.invoice(invoice.erpRef)).total;
    } catch (error) {
      if (!notFound(error)) throw error;
    }
    const amount = Number(invoice.amount) * (invoice.kind === 'credit_note' ? -1 : 1);
    if (total === undefined || Math.abs(total - amount) > lines)
      drifts.push({
        kind: 'invoice-amount-differs',
        subject: `invoice:${invoice.id}`,
        detail:
          total === undefined
            ? `the ERP has no invoice ${invoice.erpRef}`
            : `Junction ${money(amount)}, ERP invoice ${invoice.erpRef} ${money(total)}`,
        fixed: false,
      });
  }
  return drifts;
}

/** One page of Junction's orders; the first page opens the run. */
export async function reconcileOrders(deps: ReconcileDeps, state: ReconcileState): Promise<ReconcileState> {
  await deps.runs.open(state.runId, state.by ?? SCHEDULE_ACTOR, deps.now());
  const page = await deps.store.list(RECORD_TYPES.order, {
    filters: [],
    limit: PAGE,
    includeArchived: false,
    ...(state.cursor ? { cursor: state.cursor } : {}),
  });
  const drifts: Drift[] = [];
  for (const order of page.items) drifts.push(...(await reconcileOrder(deps, order as OrderRecord)));
  await deps.runs.addPage(state.runId, `orders:${state.cursor ?? ''}`, { orders: page.items.length, drifts });
  const { cursor: _done, ...rest } = state;
  return page.nextCursor ? { ...rest, cursor: page.nextCursor } : { ...rest, erpStart: 0 };
}

/** One page of the ERP's sales orders: any whose reference names no order of Junction's. */
export async function reconcileErp(deps: ReconcileDeps, state: ReconcileState): Promise<ReconcileState> {
  const start = state.erpStart ?? 0;
  const page = await deps.erp.listSalesOrders({ start, limit: PAGE });
  const live = page.items.filter((s) => !s.cancelled);
  const ids = [...new Set(live.map((s) => s.reference).filter((r) => /^ord_[0-9A-Z]{26}$/.test(r)))];
  const found = new Set(
    [...(await deps.store.getMany(ids.map((id) => ({ type: 'order', id })))).values()].map((o) => o.id),
  );
  const drifts: Drift[] = live
    .filter((s) => !found.has(s.reference))
    .map((s) => ({
      kind: 'unknown-in-junction',
      subject: `erp:${s.name}`,
      detail: s.reference
        ? `sales order ${s.name} names ${s.reference}, which is no order of Junction's`
        : `sales order ${s.name} has no reference to a Junction order`,
      fixed: false,
    }));
  await deps.runs.addPage(state.runId, `erp:${start}`, { erpOrders: page.items.length, drifts });
  if (page.more) return { ...state, erpStart: start + page.items.length };
  await deps.runs.finish(state.runId, 'done', deps.now());
  return { ...state, done: true };
}

/** The run failed for good (its task's retries are spent): noted on the run. */
export async function failRun(
  deps: ReconcileDeps,
  state: ReconcileState & { error?: { Error?: string; Cause?: string } },
) {
  await deps.runs.open(state.runId, state.by ?? SCHEDULE_ACTOR, deps.now());
  await deps.runs.finish(
    state.runId,
    'failed',
    deps.now(),
    `${state.error?.Error ?? 'Error'}: ${state.error?.Cause ?? ''}`,
  );
  return state;
}
