/**
 * Prices a quote. Pure: products are looked up by the caller.
 *
 * Steps, per line: unit price (given, else the product's list price) × quantity = amount;
 * line discount = amount × line % (rounded half up); net = amount − discount. Then
 * subtotal = Σ nets; header discount = subtotal × header %; net = subtotal − header discount;
 * tax = net × tax rate; total = net + tax. The overall discount is measured against list price,
 * so a lowered unit price counts as discount too — that is what approval policies must see.
 *
 * Arithmetic is BigInt on integer minor units with percentages as basis points: no float ever
 * touches money.
 */
import { MAX_MINOR_UNITS, toBasisPoints } from '#schemas/common';
import type { PricedQuoteLine, QuoteInput, QuoteTotals } from '#schemas/records/quote';

export interface PricingProduct {
  id: string;
  sku: string;
  family: string;
  currency: string;
  unitPrice: number;
  unitCost?: number;
  active: boolean;
}

export interface PricingIssue {
  path: (string | number)[];
  message: string;
}

export type PricingResult =
  | { ok: true; lines: PricedQuoteLine[]; totals: QuoteTotals }
  | { ok: false; issues: PricingIssue[] };

const BPS = 10_000n;
const MAX = BigInt(MAX_MINOR_UNITS);

/** Rounds a/b half up for non-negative operands. */
const divRound = (a: bigint, b: bigint): bigint => (a * 2n + b) / (2n * b);

const percentOf = (amount: bigint, basisPoints: number): bigint =>
  divRound(amount * BigInt(basisPoints), BPS);

/** Two-decimal percentage of part/whole, rounded half up; 0 when whole is 0. */
const ratioPercent = (part: bigint, whole: bigint): number => {
  if (whole === 0n) return 0;
  const negative = part < 0n;
  const abs = negative ? -part : part;
  const hundredths = divRound(abs * 10_000n, whole);
  return (negative ? -1 : 1) * (Number(hundredths) / 100);
};

/**
 * @param quoted the lines as last priced, when repricing an existing quote: a line that still
 *   names the same product keeps the list price, cost, family and SKU it was quoted with, so
 *   later catalogue changes do not creep into a quote already sent.
 */
export function priceQuote(
  input: QuoteInput,
  products: ReadonlyMap<string, PricingProduct>,
  quoted: readonly PricedQuoteLine[] = [],
): PricingResult {
  const issues: PricingIssue[] = [];
  const lines: PricedQuoteLine[] = [];
  let listTotal = 0n;
  let subtotal = 0n;
  let cost = 0n;
  let everyLineHasCost = true;

  input.lines.forEach((line, index) => {
    const catalogue = line.productId ? products.get(line.productId) : undefined;
    const before = quoted[index];
    const frozen = before?.productId === line.productId && before?.sku !== undefined ? before : undefined;
    const product: PricingProduct | undefined =
      catalogue && frozen
        ? {
            ...catalogue,
            unitPrice: frozen.listPrice,
            sku: frozen.sku as string,
            family: frozen.family ?? catalogue.family,
            ...(frozen.unitCost !== undefined ? { unitCost: frozen.unitCost } : {}),
            active: true,
          }
        : catalogue;
    if (line.productId && !product) {
      issues.push({ path: ['lines', index, 'productId'], message: `no product ${line.productId} exists` });
      return;
    }
    if (product && !product.active) {
      issues.push({ path: ['lines', index, 'productId'], message: `product ${product.sku} is inactive` });
      return;
    }
    if (product && line.unitPrice === undefined && product.currency !== input.currency) {
      issues.push({
        path: ['lines', index, 'unitPrice'],
        message: `product ${product.sku} is priced in ${product.currency}; give a unitPrice in ${input.currency}`,
      });
      return;
    }
    // A manual price in another currency than the product's cannot be compared to its list price.
    const comparable = product !== undefined && product.currency === input.currency;
    const unitPrice = line.unitPrice ?? product?.unitPrice ?? 0;
    const listPrice = comparable ? product.unitPrice : unitPrice;
    const quantity = BigInt(line.quantity);
    const amount = quantity * BigInt(unitPrice);
    // Bounding every line keeps every sum of at most 200 lines below 2^53, so the numbers handed
    // back are exact.
    if (amount > MAX || quantity * BigInt(listPrice) > MAX) {
      issues.push({
        path: ['lines', index, 'quantity'],
        message: `quantity × price exceeds ${MAX_MINOR_UNITS} minor units`,
      });
      return;
    }
    const discount = percentOf(amount, toBasisPoints(line.discountPercent));
    const net = amount - discount;

    listTotal += quantity * BigInt(listPrice);
    subtotal += net;
    const unitCost = comparable ? product.unitCost : undefined;
    if (unitCost === undefined) everyLineHasCost = false;
    else cost += quantity * BigInt(unitCost);

    lines.push({
      ...(line.productId ? { productId: line.productId } : {}),
      ...(line.description ? { description: line.description } : {}),
      quantity: line.quantity,
      unitPrice,
      discountPercent: line.discountPercent,
      ...(product ? { sku: product.sku, family: product.family } : {}),
      listPrice,
      ...(unitCost !== undefined ? { unitCost } : {}),
      ...(comparable ? {} : { listPriceKnown: false as const }),
      amount: Number(amount),
      discount: Number(discount),
      net: Number(net),
    });
  });

  if (issues.length > 0) return { ok: false, issues };

  const headerDiscount = percentOf(subtotal, toBasisPoints(input.discountPercent));
  const net = subtotal - headerDiscount;
  const tax = percentOf(net, toBasisPoints(input.taxRatePercent));
  const total = net + tax;

  if (listTotal > MAX || total > MAX) {
    const which = listTotal > MAX ? 'list total' : 'total';
    return {
      ok: false,
      issues: [{ path: ['lines'], message: `the quote's ${which} exceeds ${MAX_MINOR_UNITS} minor units` }],
    };
  }

  const totals: QuoteTotals = {
    listTotal: Number(listTotal),
    subtotal: Number(subtotal),
    headerDiscount: Number(headerDiscount),
    net: Number(net),
    tax: Number(tax),
    total: Number(total),
    discountPercent: ratioPercent(listTotal - net, listTotal),
    ...(everyLineHasCost && net > 0n ? { marginPercent: ratioPercent(net - cost, net) } : {}),
  };
  return { ok: true, lines, totals };
}
