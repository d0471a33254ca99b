/**
 * Brings in the shipments the ERP reports for the order's sales order, and bills them.
 * 1. Each submitted delivery note not yet recorded becomes a shipment (its name is the
 *    shipment's ERP reference, so a note seen twice is one shipment; partial shipments allowed).
 * 2. Invoicing per shipment: each new shipment is invoiced in Junction, then in the ERP (the
 *    invoice id as the ERP invoice's reference), then emailed to the order's contact with its PDF.
 *    Per order: one invoice once all has shipped. Each step is done once, however often retried.
 * 3. Answers whether everything has shipped, and when to look again (sooner after news:
 *    ../domain/polling.ts).
 */
import { FIRST_POLL_SECONDS, nextPollSeconds } from '../domain/polling.ts';
import type { OrderFlowDeps, OrderFlowState } from '../ports.ts';
import { emailInvoice } from './email-invoice.ts';
import { issueInvoice } from './issue-invoice.use-case.ts';
import { FLOW_SOURCE, noteErpRef } from './order-flow.ts';
import { loadOrder } from './order-ledger.ts';
import { recordShipment } from './record-shipment.use-case.ts';

export async function syncShipments(deps: OrderFlowDeps, state: OrderFlowState): Promise<OrderFlowState> {
  const salesOrder = state.salesOrder;
  if (!salesOrder) throw new Error(`order ${state.orderId} has no sales order to follow`);
  const order = await loadOrder(deps, state.orderId);
  const perShipment = order.invoicing !== 'per_order';
  let news = false;
  for (const note of await deps.erp.shipments(salesOrder)) {
    const shipment = await recordShipment(
      deps,
      order.id,
      {
        lines: note.lines.map((l) => ({ line: l.orderLine, quantity: l.quantity })),
        shippedAt: note.shippedAt,
        erpRef: note.name,
      },
      FLOW_SOURCE,
    );
    news ||= shipment.created;
    if (!perShipment) continue;
    // Answered with the first invoice when this shipment was billed before.
    const invoice = await issueInvoice(deps, order.id, { shipmentId: shipment.record.id }, FLOW_SOURCE);
    const inErp = await deps.erp.createInvoice({
      reference: invoice.record.id,
      salesOrder,
      shipment: note.name,
    });
    await noteErpRef(deps, 'invoice', invoice.record.id, inErp.name);
    await emailInvoice(deps, await loadOrder(deps, order.id), invoice.record);
  }
  const now = await loadOrder(deps, state.orderId);
  const fullyShipped = now.ledger.lines.every((l) => l.shipped >= l.ordered);
  if (fullyShipped && !perShipment && now.ledger.lines.some((l) => l.invoiced < l.shipped)) {
    const invoice = await issueInvoice(deps, order.id, {}, FLOW_SOURCE);
    const inErp = await deps.erp.createInvoice({ reference: invoice.record.id, salesOrder });
    await noteErpRef(deps, 'invoice', invoice.record.id, inErp.name);
    await emailInvoice(deps, await loadOrder(deps, order.id), invoice.record);
  }
  return {
    ...state,
    fullyShipped,
    pollSeconds: fullyShipped ? FIRST_POLL_SECONDS : nextPollSeconds(state.pollSeconds, news),
  };
}
