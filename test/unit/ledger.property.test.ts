/**
 * The order ledger over random sequences of partial shipments, invoices, credit notes, partial
 * and over-payments, refunds and duplicate notifications: whatever is accepted keeps every
 * invariant, whatever is refused leaves the ledger as it was, and the totals always agree with a
 * plain re-count of the accepted documents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  apply,
  type Ledger,
  type LedgerEvent,
  type OrderLineTerms,
  openLedger,
  standing,
  unitsValue,
} from '#functions/orders/domain/ledger';

const terms = fc
  .array(
    fc.record({ quantity: fc.integer({ min: 1, max: 12 }), amount: fc.integer({ min: 0, max: 500_000 }) }),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((lines): OrderLineTerms[] => lines);

/** Operations named by small numbers, resolved against the ledger at the time they apply. */
const operation = fc.oneof(
  fc.record({
    op: fc.constant('ship' as const),
    line: fc.nat(4),
    quantity: fc.integer({ min: -1, max: 6 }),
  }),
  fc.record({
    op: fc.constant('invoice' as const),
    line: fc.nat(4),
    quantity: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({
    op: fc.constant('credit' as const),
    invoice: fc.nat(5),
    line: fc.nat(4),
    quantity: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    op: fc.constantFrom('pay' as const, 'refund' as const),
    invoice: fc.nat(5),
    amount: fc.integer({ min: -100, max: 400_000 }),
    currency: fc.constantFrom('EUR', 'EUR', 'EUR', 'USD'),
    externalId: fc.option(fc.constantFrom('ext-1', 'ext-2', 'ext-3', 'ext-4'), { nil: undefined }),
  }),
);

type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

function eventOf(ledger: Ledger, op: Operation, n: number): LedgerEvent {
  const invoices = Object.keys(ledger.invoices);
  const invoiceId = (i: number) => invoices[i % Math.max(invoices.length, 1)] ?? 'inv-none';
  switch (op.op) {
    case 'ship':
      return { kind: 'shipment', lines: [{ line: op.line, quantity: op.quantity }] };
    case 'invoice':
      return { kind: 'invoice', id: `inv-${n}`, lines: [{ line: op.line, quantity: op.quantity }] };
    case 'credit':
      return {
        kind: 'credit_note',
        id: `cn-${n}`,
        invoiceId: invoiceId(op.invoice),
        lines: [{ line: op.line, quantity: op.quantity }],
      };
    case 'pay':
    case 'refund':
      return {
        kind: op.op === 'pay' ? 'payment' : 'refund',
        invoiceId: invoiceId(op.invoice),
        amount: op.amount,
        currency: op.currency,
        ...(op.externalId ? { externalId: op.externalId } : {}),
      };
  }
}

function checkInvariants(t: readonly OrderLineTerms[], ledger: Ledger) {
  const invoices = Object.values(ledger.invoices);
  expect(ledger.ordered).toBe(t.reduce((a, l) => a + l.amount, 0));
  for (const [i, line] of ledger.lines.entries()) {
    expect(line.shipped).toBeLessThanOrEqual(line.ordered);
    expect(line.invoiced).toBeLessThanOrEqual(line.ordered);
    expect(line.credited).toBeLessThanOrEqual(line.invoiced);
    expect(line.ordered).toBe(t[i]?.quantity);
  }
  for (const invoice of invoices) {
    expect(invoice.credited).toBeLessThanOrEqual(invoice.amount);
    expect(invoice.refunded).toBeLessThanOrEqual(invoice.paid);
    expect(invoice.outstanding).toBe(invoice.amount - invoice.credited - invoice.paid + invoice.refunded);
  }
  expect(ledger.invoiced).toBeLessThanOrEqual(ledger.ordered);
  expect(ledger.shipped).toBeLessThanOrEqual(ledger.ordered);
  expect(ledger.outstanding).toBe(ledger.invoiced - ledger.credited - ledger.paid + ledger.refunded);
  // The order's figures are the sums of its invoices'.
  const sum = (f: (i: (typeof invoices)[number]) => number) => invoices.reduce((a, i) => a + f(i), 0);
  expect(sum((i) => i.amount)).toBe(ledger.invoiced);
  expect(sum((i) => i.credited)).toBe(ledger.credited);
  expect(sum((i) => i.paid)).toBe(ledger.paid);
  expect(sum((i) => i.refunded)).toBe(ledger.refunded);
  expect(sum((i) => i.outstanding)).toBe(ledger.outstanding);
  // Shipped value is what the shipped units are worth, line by line.
  expect(ledger.shipped).toBe(
    ledger.lines.reduce((a, l, i) => a + unitsValue(t[i]?.amount ?? 0, l.ordered, l.shipped), 0),
  );
}

describe('the order ledger, over random sequences of documents', () => {
  it('keeps every invariant; a refused document changes nothing; totals match a re-count', () => {
    fc.assert(
      fc.property(terms, fc.array(operation, { maxLength: 60 }), (t, ops) => {
        let ledger = openLedger('EUR', t);
        const accepted = { shipped: 0, invoiced: 0, credited: 0, paid: 0, refunded: 0 };
        for (const [n, op] of ops.entries()) {
          const event = eventOf(ledger, op, n);
          const before = structuredClone(ledger);
          const result = apply(t, ledger, event);
          // Never mutates what it was given.
          expect(ledger).toEqual(before);
          if (!result.ok) {
            expect(result.detail.length).toBeGreaterThan(0);
            continue;
          }
          if (result.duplicate) {
            expect(result.ledger).toEqual(before);
            continue;
          }
          ledger = result.ledger;
          const key = {
            shipment: 'shipped',
            invoice: 'invoiced',
            credit_note: 'credited',
            payment: 'paid',
            refund: 'refunded',
          } as const;
          accepted[key[event.kind]] += result.amount;
          checkInvariants(t, ledger);
        }
        expect(ledger).toMatchObject(accepted);
        expect(ledger.outstanding).toBe(
          accepted.invoiced - accepted.credited - accepted.paid + accepted.refunded,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('bills exactly the order total once every unit is invoiced, however the invoices split it', () => {
    fc.assert(
      fc.property(
        terms,
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 30 }),
        (t, steps) => {
          let ledger = openLedger('EUR', t);
          let n = 0;
          for (const [line, term] of t.entries()) {
            let left = term.quantity;
            for (const step of steps) {
              if (left === 0) break;
              const q = Math.min(step, left);
              const result = apply(t, ledger, {
                kind: 'invoice',
                id: `inv-${n++}`,
                lines: [{ line, quantity: q }],
              });
              if (!result.ok) throw new Error(result.detail);
              ledger = result.ledger;
              left -= q;
            }
            if (left > 0) {
              const result = apply(t, ledger, {
                kind: 'invoice',
                id: `inv-${n++}`,
                lines: [{ line, quantity: left }],
              });
              if (!result.ok) throw new Error(result.detail);
              ledger = result.ledger;
            }
          }
          expect(ledger.invoiced).toBe(ledger.ordered);
          expect(standing(ledger).billing).toBe('billed');
        },
      ),
    );
  });

  it('credits an invoice back to exactly its amount when every unit it billed is returned', () => {
    fc.assert(
      fc.property(terms, (t) => {
        const lines = t.map((term, line) => ({ line, quantity: term.quantity }));
        const invoiced = apply(t, openLedger('EUR', t), { kind: 'invoice', id: 'inv-1', lines });
        if (!invoiced.ok) throw new Error(invoiced.detail);
        let ledger = invoiced.ledger;
        for (const { line, quantity } of lines)
          for (let q = 0; q < quantity; q++) {
            const result = apply(t, ledger, {
              kind: 'credit_note',
              id: `cn-${line}-${q}`,
              invoiceId: 'inv-1',
              lines: [{ line, quantity: 1 }],
            });
            if (!result.ok) throw new Error(result.detail);
            ledger = result.ledger;
          }
        expect(ledger.credited).toBe(ledger.invoiced);
        expect(ledger.invoices['inv-1']?.outstanding).toBe(0);
      }),
    );
  });

  it('allocates a total over lines exactly, in proportion to their weights', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const shares = allocate(total, weights);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          for (const [i, share] of shares.entries()) {
            expect(share).toBeGreaterThanOrEqual(0);
            if (sum > 0) expect(Math.abs(share - (total * (weights[i] ?? 0)) / sum)).toBeLessThan(1);
          }
        },
      ),
    );
  });
});

describe('the order ledger, document by document', () => {
  const t: OrderLineTerms[] = [
    { quantity: 3, amount: 10_00 },
    { quantity: 1, amount: 50_00 },
  ];

  it('walks partial shipments, two invoices, a partial payment, an over-payment and a refund to zero', () => {
    let ledger = openLedger('EUR', t);
    const step = (event: LedgerEvent) => {
      const result = apply(t, ledger, event);
      if (!result.ok) throw new Error(result.detail);
      ledger = result.ledger;
      return result.amount;
    };
    expect(step({ kind: 'shipment', lines: [{ line: 0, quantity: 1 }] })).toBe(3_33);
    expect(standing(ledger).fulfilment).toBe('partially_shipped');
    expect(step({ kind: 'invoice', id: 'inv-1', lines: [{ line: 0, quantity: 1 }] })).toBe(3_33);
    expect(
      step({
        kind: 'shipment',
        lines: [
          { line: 0, quantity: 2 },
          { line: 1, quantity: 1 },
        ],
      }),
    ).toBe(56_67);
    expect(standing(ledger).fulfilment).toBe('shipped');
    expect(
      step({
        kind: 'invoice',
        id: 'inv-2',
        lines: [
          { line: 0, quantity: 2 },
          { line: 1, quantity: 1 },
        ],
      }),
    ).toBe(56_67);
    expect(ledger).toMatchObject({ ordered: 60_00, invoiced: 60_00, outstanding: 60_00 });
    step({ kind: 'payment', invoiceId: 'inv-1', amount: 2_00, currency: 'EUR', externalId: 'bank-1' });
    expect(standing(ledger).payment).toBe('partly_paid');
    step({ kind: 'payment', invoiceId: 'inv-2', amount: 60_00, currency: 'EUR', externalId: 'bank-2' });
    expect(ledger.outstanding).toBe(-2_00);
    expect(standing(ledger).payment).toBe('overpaid');
    // The same bank notification again changes nothing.
    const again = apply(t, ledger, {
      kind: 'payment',
      invoiceId: 'inv-2',
      amount: 60_00,
      currency: 'EUR',
      externalId: 'bank-2',
    });
    expect(again).toMatchObject({ ok: true, duplicate: true, amount: 0 });
    if (again.ok) expect(again.ledger).toBe(ledger);
    step({ kind: 'payment', invoiceId: 'inv-1', amount: 1_33, currency: 'EUR' });
    step({ kind: 'refund', invoiceId: 'inv-2', amount: 3_33, currency: 'EUR' });
    expect(ledger).toMatchObject({ paid: 63_33, refunded: 3_33, outstanding: 0 });
    expect(standing(ledger).payment).toBe('paid');
  });

  it.each([
    [{ kind: 'shipment', lines: [{ line: 0, quantity: 4 }] }, 'over-shipped'],
    [{ kind: 'shipment', lines: [{ line: 2, quantity: 1 }] }, 'unknown-line'],
    [{ kind: 'shipment', lines: [] }, 'no-units'],
    [{ kind: 'shipment', lines: [{ line: 0, quantity: 0.5 }] }, 'no-units'],
    [{ kind: 'invoice', id: 'i', lines: [{ line: 1, quantity: 2 }] }, 'over-invoiced'],
    [{ kind: 'payment', invoiceId: 'nope', amount: 1, currency: 'EUR' }, 'unknown-invoice'],
    [
      { kind: 'credit_note', id: 'c', invoiceId: 'nope', lines: [{ line: 0, quantity: 1 }] },
      'unknown-invoice',
    ],
  ] as [LedgerEvent, string][])('refuses %j as %s', (event, reason) => {
    const ledger = openLedger('EUR', t);
    expect(apply(t, ledger, event)).toMatchObject({ ok: false, reason });
  });

  it('refuses a zero, negative or foreign-currency payment and a refund beyond what was paid', () => {
    const invoiced = apply(t, openLedger('EUR', t), {
      kind: 'invoice',
      id: 'inv-1',
      lines: [{ line: 1, quantity: 1 }],
    });
    if (!invoiced.ok) throw new Error(invoiced.detail);
    const ledger = invoiced.ledger;
    const pay = (amount: number, currency = 'EUR') =>
      apply(t, ledger, { kind: 'payment', invoiceId: 'inv-1', amount, currency });
    expect(pay(0)).toMatchObject({ ok: false, reason: 'not-positive' });
    expect(pay(-5)).toMatchObject({ ok: false, reason: 'not-positive' });
    expect(pay(1.5)).toMatchObject({ ok: false, reason: 'not-positive' });
    expect(pay(100, 'USD')).toMatchObject({ ok: false, reason: 'currency-mismatch' });
    expect(
      apply(t, ledger, { kind: 'refund', invoiceId: 'inv-1', amount: 1, currency: 'EUR' }),
    ).toMatchObject({
      ok: false,
      reason: 'over-refunded',
    });
    expect(
      apply(t, ledger, {
        kind: 'credit_note',
        id: 'cn',
        invoiceId: 'inv-1',
        lines: [{ line: 0, quantity: 1 }],
      }),
    ).toMatchObject({ ok: false, reason: 'over-credited' });
  });
});
