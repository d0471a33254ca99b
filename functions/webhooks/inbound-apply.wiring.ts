/**
 * What verified inbound messages drive, by their source's mapping — loaded only by the function
 * that processes them, since it brings the lead intake and order-to-cash with it.
 *   lead   the body (or a Standard Webhooks payload's `data`) is a lead, through the same intake as
 *          POST /v1/leads: normalised, deduped, scored, routed.
 *   erp    `{type: 'shipment.created', data: {orderId, …shipment}}` (the order id is the sales
 *          order's `po_no`) and `{type: 'payment.received', data: {invoice, …payment}}` (`invoice`
 *          the ERP's invoice name, or `invoiceId` Junction's) are recorded as
 *          POST /v1/orders/{id}/shipments and /v1/invoices/{id}/payments would; each carries the
 *          ERP's own reference (`erpRef`, `externalId`), so a repeat changes nothing. A payment for
 *          an invoice Junction does not know yet fails, is retried, and can be replayed once it does.
 *   store  kept, nothing more (read back through the inbound-messages API).
 */
import * as z from 'zod';
import { LeadInput } from '#schemas/records/lead';
import { intakeLead } from '../leads/use-cases/intake-lead.use-case.ts';
import { leadDeps } from '../leads/wiring.ts';
import { recordPayment } from '../orders/use-cases/record-payment.use-case.ts';
import { recordShipment } from '../orders/use-cases/record-shipment.use-case.ts';
import { orderDeps } from '../orders/wiring.ts';
import type { ChangeSource } from '../records/ports.ts';
import { parseOrThrow } from '../shared/errors.ts';
import { inboundReceiveDeps } from './inbound.wiring.ts';
import type { InboundApply, InboundDeps } from './ports.ts';

const Payload = z.object({ type: z.string().optional(), data: z.unknown().optional() }).loose();
const ErpEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('shipment.created'), data: z.object({ orderId: z.string() }).loose() }),
  z.object({
    type: z.literal('payment.received'),
    data: z
      .object({ invoiceId: z.string().optional(), invoice: z.string().optional() })
      .loose()
      .refine((d) => d.invoiceId || d.invoice, {
        error: 'name the invoice: invoice (the ERP’s) or invoiceId',
      }),
  }),
]);

const sourceOf = (source: string, messageId: string): ChangeSource => ({
  actor: { id: `webhook:${source}`, name: `Webhook ${source}`, kind: 'system' },
  channel: 'webhook',
  context: { inboundId: messageId },
});

export const applyInbound: InboundApply = async (mapping, message) => {
  const source = sourceOf(message.source, message.id);
  if (mapping === 'store') return { stored: true };
  if (mapping === 'lead') {
    const payload = Payload.safeParse(message.body);
    const data = payload.success && payload.data.data !== undefined ? payload.data.data : message.body;
    const input = parseOrThrow(LeadInput, data) as Record<string, unknown>;
    const result = await intakeLead(leadDeps(), input, source, { submissionId: message.id });
    return { leadId: result.lead.id, outcome: result.outcome };
  }
  const event = parseOrThrow(ErpEvent, message.body);
  if (event.type === 'shipment.created') {
    const { orderId, ...shipment } = event.data;
    const recorded = await recordShipment(orderDeps(), orderId, shipment, source);
    return { shipmentId: recorded.record.id, created: recorded.created };
  }
  const { invoiceId, invoice, ...payment } = event.data;
  const deps = orderDeps();
  const id = invoiceId ?? (invoice ? await deps.store.findUnique('invoice', 'erpRef', invoice) : undefined);
  if (!id) throw new Error(`no invoice is known as ${invoice} in the ERP yet`);
  const recorded = await recordPayment(deps, id, payment, source);
  return { paymentId: recorded.record.id, created: recorded.created };
};

let deps: InboundDeps | undefined;
export function inboundProcessDeps(): InboundDeps {
  deps ??= inboundReceiveDeps(applyInbound);
  return deps;
}
