import * as z from 'zod';
import { Currency, IsoDate, longText, MinorUnits, Percent, recordId, text } from '../common.ts';

export const QUOTE_STATUSES = [
  'draft',
  'pending_approval',
  'approved',
  'rejected',
  'accepted',
  'expired',
] as const;
export const QuoteStatus = z.enum(QUOTE_STATUSES);

export const MAX_QUOTE_LINES = 200;
export const MAX_LINE_QUANTITY = 1_000_000;

export const QuoteLineInput = z
  .strictObject({
    productId: recordId('prd')
      .optional()
      .meta({ description: 'Price, family and cost come from the product' }),
    description: text(500).optional(),
    quantity: z
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_LINE_QUANTITY, { error: `must be at most ${MAX_LINE_QUANTITY}` }),
    unitPrice: MinorUnits.optional().meta({
      description: "Overrides the product's list price (minor units)",
    }),
    discountPercent: Percent.default(0),
  })
  .refine(
    (line) =>
      line.productId !== undefined || (line.description !== undefined && line.unitPrice !== undefined),
    {
      error: 'a line without a product needs a description and a unitPrice',
      path: ['productId'],
    },
  );

export const QuoteInput = z
  .strictObject({
    name: text(200),
    accountId: recordId('acc'),
    contactId: recordId('con').optional(),
    ownerId: recordId('usr').optional(),
    currency: Currency,
    validUntil: IsoDate.meta({ description: 'Last day the offer stands' }),
    lines: z
      .array(QuoteLineInput)
      .min(1, { error: 'a quote needs at least one line' })
      .max(MAX_QUOTE_LINES, { error: `a quote has at most ${MAX_QUOTE_LINES} lines` }),
    discountPercent: Percent.default(0).meta({
      description: 'Header discount, applied after line discounts',
    }),
    taxRatePercent: Percent.default(0),
    notes: longText(5000).optional(),
  })
  .meta({ id: 'QuoteInput' });
export type QuoteInput = z.output<typeof QuoteInput>;

/** A line as stored: what was asked plus what pricing worked out. All amounts in minor units. */
export const PricedQuoteLine = z.object({
  productId: z.string().optional(),
  description: z.string().optional(),
  quantity: z.int(),
  unitPrice: z.int(),
  discountPercent: z.number(),
  sku: z.string().optional(),
  family: z.string().optional(),
  listPrice: z
    .int()
    .meta({ description: 'List price per unit; equals unitPrice for lines without a product' }),
  unitCost: z.int().optional(),
  listPriceKnown: z.literal(false).optional().meta({
    description:
      'Present (false) when the line has no catalogue list price in the quote currency (a free-text line, or a product priced in another currency): its discount is unknown, not 0 %',
  }),
  amount: z.int().meta({ description: 'quantity × unitPrice' }),
  discount: z.int(),
  net: z.int(),
});
export type PricedQuoteLine = z.infer<typeof PricedQuoteLine>;

export const QuoteTotals = z
  .object({
    listTotal: z.int().meta({ description: 'Σ quantity × list price' }),
    subtotal: z.int().meta({ description: 'Σ line nets, before the header discount' }),
    headerDiscount: z.int(),
    net: z.int().meta({ description: 'subtotal − header discount; tax is computed on this' }),
    tax: z.int(),
    total: z.int(),
    discountPercent: z.number().meta({ description: 'Overall discount against list price, two decimals' }),
    marginPercent: z.number().optional().meta({ description: 'Present when every line has a cost' }),
  })
  .meta({ id: 'QuoteTotals' });
export type QuoteTotals = z.infer<typeof QuoteTotals>;

/** Fields of a quote only the server writes. */
export const QuoteServerFields = z.object({
  status: QuoteStatus,
  orderId: z.string().optional().meta({ description: 'The order made when the customer accepted the quote' }),
  lines: z.array(PricedQuoteLine),
  totals: QuoteTotals,
});
