import { describe, expect, it } from 'vitest';
import { type PricingResult, priceQuote } from '#functions/records/domain/price-quote';
import { MAX_MINOR_UNITS } from '#schemas/common';
import { manualLine, pricingProduct, productsById, quoteInput, testId } from './support/builders.ts';

const PRD_A = testId('prd', 1);
const PRD_B = testId('prd', 2);

/** Narrows a pricing result to its success branch, failing the test with the issues otherwise. */
function priced(result: PricingResult) {
  if (!result.ok) throw new Error(`expected a priced quote, got issues: ${JSON.stringify(result.issues)}`);
  return result;
}

function refused(result: PricingResult) {
  if (result.ok) throw new Error(`expected issues, got totals: ${JSON.stringify(result.totals)}`);
  return result.issues;
}

describe('priceQuote', () => {
  describe('unit and list prices', () => {
    it("takes the unit price from the product's list price when the line gives none", () => {
      // Prepare
      const product = pricingProduct({
        id: PRD_A,
        sku: 'WID-9',
        family: 'Widgets',
        unitPrice: 12_345,
        unitCost: 5_000,
      });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 2 }] });

      // Act
      const { lines, totals } = priced(priceQuote(input, productsById(product)));

      // Assess
      expect(lines).toEqual([
        {
          productId: PRD_A,
          quantity: 2,
          unitPrice: 12_345,
          discountPercent: 0,
          sku: 'WID-9',
          family: 'Widgets',
          listPrice: 12_345,
          unitCost: 5_000,
          amount: 24_690,
          discount: 0,
          net: 24_690,
        },
      ]);
      expect(totals.listTotal).toBe(24_690);
      expect(totals.total).toBe(24_690);
      expect(totals.discountPercent).toBe(0);
    });

    it('counts a manual unit price below list as discount against the list price', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 10_000 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 3, unitPrice: 8_000 }] });

      const { lines, totals } = priced(priceQuote(input, productsById(product)));

      expect(lines[0]).toMatchObject({ unitPrice: 8_000, listPrice: 10_000, amount: 24_000, discount: 0 });
      expect(totals.listTotal).toBe(30_000);
      expect(totals.net).toBe(24_000);
      expect(totals.discountPercent).toBe(20);
    });

    it('adds a line discount on top of a lowered unit price in the overall discount', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 10_000 });
      const input = quoteInput({
        lines: [{ productId: PRD_A, quantity: 3, unitPrice: 8_000, discountPercent: 10 }],
      });

      const { totals } = priced(priceQuote(input, productsById(product)));

      // 30,000 list; 24,000 − 2,400 = 21,600 net → 8,400 off list = 28 %.
      expect(totals.net).toBe(21_600);
      expect(totals.discountPercent).toBe(28);
    });

    it('shows a negative overall discount when a manual price is above list', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 10_000 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1, unitPrice: 12_500 }] });

      const { totals } = priced(priceQuote(input, productsById(product)));

      expect(totals.discountPercent).toBe(-25);
    });

    it('uses the manual price as list price for a line without a product, and marks that list price as not known', () => {
      const input = quoteInput({
        lines: [manualLine(4_200, { quantity: 2, description: 'Onboarding day' })],
      });

      const { lines, totals } = priced(priceQuote(input, new Map()));

      expect(lines[0]).toEqual({
        description: 'Onboarding day',
        quantity: 2,
        unitPrice: 4_200,
        discountPercent: 0,
        listPrice: 4_200,
        listPriceKnown: false,
        amount: 8_400,
        discount: 0,
        net: 8_400,
      });
      expect(totals.discountPercent).toBe(0);
    });
  });

  describe('rounding', () => {
    it('rounds each line discount half up to the minor unit, not half to even', () => {
      // 10 % of 25 = 2.5 → 3 (half-even would give 2); of 45 = 4.5 → 5 (half-even: 4); of 24 = 2.4 → 2.
      const input = quoteInput({
        lines: [
          manualLine(25, { discountPercent: 10 }),
          manualLine(45, { discountPercent: 10 }),
          manualLine(24, { discountPercent: 10 }),
        ],
      });

      const { lines, totals } = priced(priceQuote(input, new Map()));

      expect(lines.map((l) => l.discount)).toEqual([3, 5, 2]);
      expect(lines.map((l) => l.net)).toEqual([22, 40, 22]);
      expect(totals.subtotal).toBe(84);
    });

    it('applies line discount, then header discount, then tax, rounding each step half up', () => {
      // 105 − 10.5→11 = 94; header 25 %: 23.5→24, net 70; tax 5 %: 3.5→4; total 74.
      const input = quoteInput({
        lines: [manualLine(105, { discountPercent: 10 })],
        discountPercent: 25,
        taxRatePercent: 5,
      });

      const { lines, totals } = priced(priceQuote(input, new Map()));

      expect(lines[0]).toMatchObject({ amount: 105, discount: 11, net: 94 });
      expect(totals).toEqual({
        listTotal: 105,
        subtotal: 94,
        headerDiscount: 24,
        net: 70,
        tax: 4,
        total: 74,
        discountPercent: 33.33,
      });
    });

    it('converts two-decimal percentages exactly, even those a double cannot hold (4.35 %)', () => {
      // 4.35 * 100 is 434.99999999999994 in floating point; the discount must still be 435 bps.
      const input = quoteInput({ lines: [manualLine(1_000_000, { discountPercent: 4.35 })] });

      const { lines } = priced(priceQuote(input, new Map()));

      expect(lines[0]?.discount).toBe(43_500);
    });

    it('reports the overall discount and margin with two decimals, rounded half up', () => {
      const a = pricingProduct({ id: PRD_A, unitPrice: 10_000, unitCost: 4_000 });
      const b = pricingProduct({ id: PRD_B, sku: 'B', unitPrice: 5_000, unitCost: 3_000 });
      const input = quoteInput({
        lines: [
          { productId: PRD_A, quantity: 3, discountPercent: 10 },
          { productId: PRD_B, quantity: 1 },
        ],
      });

      const { totals } = priced(priceQuote(input, productsById(a, b)));

      // list 35,000; net 27,000 + 5,000 = 32,000; cost 15,000.
      // discount 3,000 / 35,000 = 8.5714 % → 8.57; margin 17,000 / 32,000 = 53.125 % → 53.13.
      expect(totals.net).toBe(32_000);
      expect(totals.discountPercent).toBe(8.57);
      expect(totals.marginPercent).toBe(53.13);
    });
  });

  describe('exactness at the limits', () => {
    it('prices a million units of a large price exactly where floating point drifts by one cent', () => {
      // 999,430 × 999,975 = 999,405,014,250. 17.4 % of it is 173,896,472,479.5 exactly, which
      // rounds up to …480; in doubles the product comes out as …479.
      const input = quoteInput({
        lines: [manualLine(999_975, { quantity: 999_430, discountPercent: 17.4 })],
        discountPercent: 2.5,
        taxRatePercent: 19,
      });

      const { lines, totals } = priced(priceQuote(input, new Map()));

      expect(BigInt(lines[0]?.amount ?? 0)).toBe(999_405_014_250n);
      expect(BigInt(lines[0]?.discount ?? 0)).toBe(173_896_472_480n);
      expect(BigInt(lines[0]?.net ?? 0)).toBe(825_508_541_770n);
      // header 2.5 %: 20,637,713,544.25 → …544; tax 19 % of 804,870,828,226: 152,925,457,362.94 → …363.
      expect(BigInt(totals.headerDiscount)).toBe(20_637_713_544n);
      expect(BigInt(totals.net)).toBe(804_870_828_226n);
      expect(BigInt(totals.tax)).toBe(152_925_457_363n);
      expect(BigInt(totals.total)).toBe(957_796_285_589n);
      expect(totals.discountPercent).toBe(19.47);
    });

    it('accepts a quote whose total is exactly MAX_MINOR_UNITS: a million units at a million each', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 1_000_000, unitCost: 999_999 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1_000_000 }] });

      const { totals } = priced(priceQuote(input, productsById(product)));

      expect(totals.total).toBe(MAX_MINOR_UNITS);
      expect(BigInt(totals.total)).toBe(1_000_000_000_000n);
      // (10^12 − 999,999,000,000) / 10^12 = 0.0001 % → 0 at two decimals.
      expect(totals.marginPercent).toBe(0);
    });

    it('refuses a quote whose total with tax passes MAX_MINOR_UNITS', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 1_000_000 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1_000_000 }], taxRatePercent: 0.01 });

      const issues = refused(priceQuote(input, productsById(product)));

      expect(issues).toEqual([
        { path: ['lines'], message: `the quote's total exceeds ${MAX_MINOR_UNITS} minor units` },
      ]);
    });

    it('refuses a quote whose list total passes MAX_MINOR_UNITS even if discounts bring the total under it', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 1_000_000 });
      const line = { productId: PRD_A, quantity: 600_000, discountPercent: 50 };
      const input = quoteInput({ lines: [line, line] });

      const issues = refused(priceQuote(input, productsById(product)));

      expect(issues).toEqual([
        { path: ['lines'], message: `the quote's list total exceeds ${MAX_MINOR_UNITS} minor units` },
      ]);
    });

    it('refuses a line too large to price exactly instead of handing back a rounded amount', () => {
      // A cheap product sold at a huge manual price with a 100 % line discount: list total and total
      // would stay small, but amount and discount (~10^18) are beyond Number.MAX_SAFE_INTEGER.
      const product = pricingProduct({ id: PRD_A, unitPrice: 1 });
      const input = quoteInput({
        lines: [{ productId: PRD_A, quantity: 999_999, unitPrice: 999_999_999_999, discountPercent: 100 }],
      });

      const issues = refused(priceQuote(input, productsById(product)));

      expect(issues).toEqual([
        {
          path: ['lines', 0, 'quantity'],
          message: `quantity × price exceeds ${MAX_MINOR_UNITS} minor units`,
        },
      ]);
    });
  });

  describe('products that cannot be priced', () => {
    it('asks for a unit price on lines/N/unitPrice when the product is priced in another currency', () => {
      const eur = pricingProduct({ id: PRD_A });
      const usd = pricingProduct({ id: PRD_B, sku: 'US-ONLY', currency: 'USD' });
      const input = quoteInput({
        currency: 'EUR',
        lines: [
          { productId: PRD_A, quantity: 1 },
          { productId: PRD_B, quantity: 1 },
        ],
      });

      const issues = refused(priceQuote(input, productsById(eur, usd)));

      expect(issues).toEqual([
        {
          path: ['lines', 1, 'unitPrice'],
          message: 'product US-ONLY is priced in USD; give a unitPrice in EUR',
        },
      ]);
    });

    it('prices a product of another currency at the given unit price, with no list discount and no margin', () => {
      const usd = pricingProduct({
        id: PRD_A,
        sku: 'US-ONLY',
        currency: 'USD',
        unitPrice: 10_000,
        unitCost: 1,
      });
      const input = quoteInput({
        currency: 'EUR',
        lines: [{ productId: PRD_A, quantity: 2, unitPrice: 9_000 }],
      });

      const { lines, totals } = priced(priceQuote(input, productsById(usd)));

      expect(lines[0]).toMatchObject({ sku: 'US-ONLY', unitPrice: 9_000, listPrice: 9_000, amount: 18_000 });
      expect(lines[0]).not.toHaveProperty('unitCost');
      expect(totals.discountPercent).toBe(0);
      expect(totals).not.toHaveProperty('marginPercent');
    });

    it('reports an unknown product and an inactive one together, each on its line', () => {
      const inactive = pricingProduct({ id: PRD_B, sku: 'OLD-1', active: false });
      const missing = testId('prd', 99);
      const input = quoteInput({
        lines: [{ productId: missing, quantity: 1 }, manualLine(100), { productId: PRD_B, quantity: 1 }],
      });

      const issues = refused(priceQuote(input, productsById(inactive)));

      expect(issues).toEqual([
        { path: ['lines', 0, 'productId'], message: `no product ${missing} exists` },
        { path: ['lines', 2, 'productId'], message: 'product OLD-1 is inactive' },
      ]);
    });

    it('refuses an inactive product even when the line sets its own price', () => {
      const inactive = pricingProduct({ id: PRD_A, sku: 'OLD-1', active: false });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1, unitPrice: 500 }] });

      const issues = refused(priceQuote(input, productsById(inactive)));

      expect(issues).toEqual([{ path: ['lines', 0, 'productId'], message: 'product OLD-1 is inactive' }]);
    });
  });

  describe('margin', () => {
    it('leaves the margin out when one line has no cost', () => {
      const withCost = pricingProduct({ id: PRD_A, unitCost: 4_000 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1 }, manualLine(1_000)] });

      const { totals } = priced(priceQuote(input, productsById(withCost)));

      expect(totals).not.toHaveProperty('marginPercent');
    });

    it('leaves the margin out when a product has no cost', () => {
      const noCost = pricingProduct({ id: PRD_A });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1 }] });

      const { totals } = priced(priceQuote(input, productsById(noCost)));

      expect(totals).not.toHaveProperty('marginPercent');
    });

    it('measures the margin on the net after the header discount, before tax', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 10_000, unitCost: 6_000 });
      const input = quoteInput({
        lines: [{ productId: PRD_A, quantity: 1 }],
        discountPercent: 20,
        taxRatePercent: 19,
      });

      const { totals } = priced(priceQuote(input, productsById(product)));

      // net 8,000, cost 6,000 → 25 %; tax does not count.
      expect(totals.net).toBe(8_000);
      expect(totals.total).toBe(9_520);
      expect(totals.marginPercent).toBe(25);
    });

    it('shows a negative margin when the quote sells below cost', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 10_000, unitCost: 6_000 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1, discountPercent: 50 }] });

      const { totals } = priced(priceQuote(input, productsById(product)));

      // net 5,000, cost 6,000 → −20 %.
      expect(totals.marginPercent).toBe(-20);
    });
  });

  describe('a quote worth nothing', () => {
    it('prices a free line with 0 % discount and no margin instead of dividing by zero', () => {
      const free = pricingProduct({ id: PRD_A, unitPrice: 0, unitCost: 0 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 5 }, manualLine(0)] });

      const { totals } = priced(priceQuote(input, productsById(free)));

      expect(totals).toEqual({
        listTotal: 0,
        subtotal: 0,
        headerDiscount: 0,
        net: 0,
        tax: 0,
        total: 0,
        discountPercent: 0,
      });
    });

    it('prices a fully discounted quote at zero with a 100 % discount and no margin', () => {
      const product = pricingProduct({ id: PRD_A, unitPrice: 10_000, unitCost: 6_000 });
      const input = quoteInput({ lines: [{ productId: PRD_A, quantity: 1 }], discountPercent: 100 });

      const { totals } = priced(priceQuote(input, productsById(product)));

      expect(totals.total).toBe(0);
      expect(totals.discountPercent).toBe(100);
      expect(totals).not.toHaveProperty('marginPercent');
    });
  });
});
