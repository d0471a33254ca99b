/**
 * Orders and the documents of order-to-cash: shipments, invoices (and credit notes), payments
 * (and refunds). Money is integer minor units of the order's currency. An order's ledger is
 * computed by the server (functions/orders/domain/ledger.ts) and never written by a client; the
 * documents are created only through the order routes, which apply each to the ledger.
 */

import * as z from 'zod';
import { InvoiceDunning } from '../admin/dunning-policy.ts';
import { Currency, IsoDate, IsoDateTime, longText, MinorUnits, Percent, recordId, text } from '../common.ts';
import { MAX_QUOTE_LINES, PricedQuoteLine, QuoteLineInput, QuoteTotals } from './quote.ts';

export const ORDER_STATUSES = ['pending', 'credit_hold', 'confirmed', 'closed', 'cancelled'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);

export const INVOICING = ['per_shipment', 'per_order'] as const;

/** An order created directly (finance, an integration); one from a quote copies the quote's. */
export const OrderInput = z
  .strictObject({
    accountId: recordId('acc'),
    contactId: recordId('con').optional(),
    ownerId: recordId('usr').optional(),
    currency: Currency,
    lines: z
      .array(QuoteLineInput)
      .min(1, { error: 'an order needs at least one line' })
      .max(MAX_QUOTE_LINES, { error: `an order has at most ${MAX_QUOTE_LINES} lines` }),
    discountPercent: Percent.default(0),
    taxRatePercent: Percent.default(0),
    externalRef: text(100).optional().meta({
      description: "The caller's own id for the order; unique, so a retried create is refused, not doubled",
    }),
    invoicing: z.enum(INVOICING).default('per_shipment').meta({
      description: 'An invoice per shipment, or one for the whole order once it has shipped',
    }),
    paymentTermsDays: z
      .int()
      .min(0)
      .max(365)
      .default(30)
      .meta({ description: 'Days from invoice to due date' }),
    notes: longText(5000).optional(),
  })
  .meta({ id: 'OrderInput' });

export const OrderLine = PricedQuoteLine.extend({
  total: z.int().meta({
    description:
      "The line's share of the order total (tax and header discount included); the shares sum to the total",
  }),
});
export type OrderLine = z.infer<typeof OrderLine>;

const InvoiceBalanceView = z.object({
  kind: z.literal('invoice'),
  lines: z.record(z.string(), z.int()),
  lineAmounts: z.record(z.string(), z.int()),
  creditedLines: z.record(z.string(), z.int()),
  amount: z.int(),
  credited: z.int(),
  paid: z.int(),
  refunded: z.int(),
  outstanding: z.int(),
});

export const LedgerView = z
  .object({
    currency: z.string(),
    ordered: z.int(),
    shipped: z.int(),
    invoiced: z.int(),
    credited: z.int(),
    paid: z.int(),
    refunded: z.int(),
    outstanding: z
      .int()
      .meta({ description: 'invoiced − credited − paid + refunded; negative when overpaid' }),
    lines: z.array(z.object({ ordered: z.int(), shipped: z.int(), invoiced: z.int(), credited: z.int() })),
    invoices: z.record(z.string(), InvoiceBalanceView),
    seen: z
      .array(z.string())
      .meta({ description: 'External ids of payments applied, so a repeat is a no-op' }),
  })
  .meta({ id: 'OrderLedger' });

export const OrderServerFields = z.object({
  status: OrderStatus,
  quoteId: z.string().optional(),
  lines: z.array(OrderLine),
  totals: QuoteTotals,
  ledger: LedgerView,
  standing: z.object({
    fulfilment: z.enum(['unshipped', 'partially_shipped', 'shipped']),
    billing: z.enum(['unbilled', 'partially_billed', 'billed']),
    payment: z.enum(['unpaid', 'partly_paid', 'paid', 'overpaid']),
  }),
  erp: z
    .object({
      salesOrder: z.string().optional(),
      customer: z.string().optional(),
      cancelled: z
        .boolean()
        .optional()
        .meta({ description: 'The sales order was cancelled in the ERP (compensation)' }),
    })
    .optional(),
  cancellation: z.object({ reason: z.string(), at: z.string(), by: z.string() }).optional(),
  creditDecision: z
    .object({
      decision: z.enum(['release', 'refuse']),
      by: z.string(),
      at: z.string(),
      comment: z.string().optional(),
    })
    .optional()
    .meta({ description: 'How finance answered a credit hold' }),
});

const LineUnits = z.strictObject({
  line: z.int().min(0).meta({ description: 'Index of the order line' }),
  quantity: z.int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }),
});
const LinesOf = (what: string) =>
  z
    .array(LineUnits)
    .min(1, { error: `a ${what} names at least one line` })
    .max(MAX_QUOTE_LINES);

/** Why an order is cancelled. */
export const CancelOrderInput = z.strictObject({ reason: text(500) }).meta({ id: 'CancelOrderInput' });

/** Finance's answer to an order on credit hold: release it to the ERP, or refuse it (the order is cancelled). */
export const CreditDecisionInput = z
  .strictObject({
    decision: z.enum(['release', 'refuse'], { error: 'must be "release" or "refuse"' }),
    comment: text(500).optional(),
  })
  .refine((d) => d.decision === 'release' || d.comment !== undefined, {
    error: 'say why the credit is refused',
    path: ['comment'],
  })
  .meta({ id: 'CreditDecisionInput' });

/** A shipment of an order (as the ERP or a warehouse reports it). */
export const ShipmentInput = z
  .strictObject({
    lines: LinesOf('shipment'),
    shippedAt: IsoDateTime.optional(),
    carrier: text(100).optional(),
    trackingNumber: text(100).optional(),
    erpRef: text(100)
      .optional()
      .meta({ description: "The ERP's delivery note; unique, so a report repeated is one shipment" }),
  })
  .meta({ id: 'ShipmentInput' });

export const ShipmentFields = ShipmentInput.extend({
  orderId: z.string(),
  accountId: z.string(),
  value: z.int().meta({ description: 'What the shipped units are worth, minor units' }),
});

export const INVOICE_STATUSES = ['open', 'partly_paid', 'paid', 'overpaid', 'credited'] as const;

/** An invoice of an order: of the given lines, or (no lines) of everything shipped and not billed. */
export const InvoiceInput = z
  .strictObject({
    lines: LinesOf('invoice').optional(),
    shipmentId: recordId('shp').optional().meta({ description: 'Bill exactly this shipment' }),
    issuedOn: IsoDate.optional(),
    erpRef: text(100).optional(),
  })
  .meta({ id: 'InvoiceInput' });

export const CreditNoteInput = z
  .strictObject({
    lines: LinesOf('credit note'),
    reason: text(500),
    erpRef: text(100).optional(),
  })
  .meta({ id: 'CreditNoteInput' });

export const InvoiceFields = z.object({
  orderId: z.string(),
  accountId: z.string(),
  kind: z.enum(['invoice', 'credit_note']),
  creditOf: z.string().optional().meta({ description: 'The invoice a credit note returns units of' }),
  shipmentId: z.string().optional(),
  lines: z.array(z.object({ line: z.int(), quantity: z.int() })),
  currency: z.string(),
  amount: z.int(),
  issuedOn: IsoDate,
  dueDate: IsoDate.optional(),
  status: z.enum(INVOICE_STATUSES),
  balance: z
    .object({ credited: z.int(), paid: z.int(), refunded: z.int(), outstanding: z.int() })
    .optional()
    .meta({ description: 'For an invoice: what is credited, paid, refunded and still owed' }),
  reason: z.string().optional(),
  erpRef: z.string().optional(),
  dunning: InvoiceDunning.optional().meta({ description: 'Reminders sent, fees charged, and a hold' }),
});

/** A payment received against an invoice, or a refund of one. */
export const PaymentInput = z
  .strictObject({
    kind: z.enum(['payment', 'refund']).default('payment'),
    amount: MinorUnits.refine((n) => n > 0, { error: 'must be above 0' }),
    currency: Currency,
    externalId: text(200).meta({
      description: "The bank's or provider's id; a second notification with it is answered with the first",
    }),
    receivedAt: IsoDateTime.optional(),
    method: text(50).optional(),
  })
  .meta({ id: 'PaymentInput' });

export const PaymentFields = z.object({
  invoiceId: z.string(),
  orderId: z.string(),
  accountId: z.string(),
  kind: z.enum(['payment', 'refund']),
  amount: z.int(),
  currency: z.string(),
  externalId: z.string(),
  receivedAt: IsoDateTime,
  method: z.string().optional(),
});
