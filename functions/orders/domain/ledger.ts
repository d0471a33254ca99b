/**
 * An order's ledger: what was ordered, shipped, invoiced, credited, paid and refunded, and what
 * is outstanding — all integer minor units of the order's currency, computed here and nowhere
 * else. Every shipment, invoice, credit note, payment and refund passes through `apply`, which
 * either refuses it (saying why; the ledger unchanged) or answers the next ledger and the amount
 * the document carries.
 *
 * Amounts of partial documents come from quantities, never from a client:
 *   - each order line has a gross `amount` (its share of the order total, tax and header discount
 *     included; the shares sum to the total exactly);
 *   - the value of `q` of a line's `n` units is ⌊amount × q / n⌋, and exactly `amount` at q = n;
 *   - an invoice for Δq more units of a line bills value(G + Δq) − value(G), G being the units
 *     invoiced before, so the invoices of a fully invoiced order sum to its total exactly;
 *   - a credit note returns units of one invoice, valued the same way over that invoice's line,
 *     so an invoice is never credited beyond its amount.
 * Invariants (checked as properties over random sequences in test/unit/ledger.property.test.ts):
 *   shipped ≤ ordered and invoiced ≤ ordered per line; credited ≤ invoiced per invoice;
 *   refunded ≤ paid per invoice; outstanding = invoiced − credited − paid + refunded, per order
 *   and as the sum over its invoices.
 */

export interface OrderLineTerms {
  quantity: number;
  /** Gross minor units of the whole line. */
  amount: number;
}

export interface LineLedger {
  ordered: number;
  shipped: number;
  invoiced: number;
  credited: number;
}

export interface InvoiceBalance {
  kind: 'invoice';
  /** Units billed per order line (index → units). */
  lines: Record<string, number>;
  /** Per order line, the minor units this invoice billed for it. */
  lineAmounts: Record<string, number>;
  /** Units of each line returned by credit notes against this invoice. */
  creditedLines: Record<string, number>;
  amount: number;
  credited: number;
  paid: number;
  refunded: number;
  outstanding: number;
}

export interface Ledger {
  currency: string;
  ordered: number;
  shipped: number;
  invoiced: number;
  credited: number;
  paid: number;
  refunded: number;
  /** invoiced − credited − paid + refunded; negative when the customer has paid more than owed. */
  outstanding: number;
  lines: LineLedger[];
  invoices: Record<string, InvoiceBalance>;
  /** External ids of payments and refunds already applied: a second notification is a no-op. */
  seen: string[];
}

export interface LineUnits {
  line: number;
  quantity: number;
}

export type LedgerEvent =
  | { kind: 'shipment'; lines: LineUnits[] }
  | { kind: 'invoice'; id: string; lines: LineUnits[] }
  | { kind: 'credit_note'; id: string; invoiceId: string; lines: LineUnits[] }
  | { kind: 'payment'; invoiceId: string; amount: number; currency: string; externalId?: string }
  | { kind: 'refund'; invoiceId: string; amount: number; currency: string; externalId?: string };

export type LedgerRefusal =
  | 'unknown-line'
  | 'no-units'
  | 'over-shipped'
  | 'over-invoiced'
  | 'unknown-invoice'
  | 'duplicate-document'
  | 'over-credited'
  | 'not-positive'
  | 'currency-mismatch'
  | 'over-refunded';

export type Applied =
  | { ok: true; ledger: Ledger; amount: number; duplicate?: false }
  /** The same external payment id again: nothing changes, and the caller answers as the first time. */
  | { ok: true; ledger: Ledger; amount: 0; duplicate: true }
  | { ok: false; reason: LedgerRefusal; detail: string };

/** Splits `total` over lines in proportion to their weights, largest remainder first; sums exactly. */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const exact = weights.map((w) => (total * w) / sum);
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] ?? 0) + 1;
    left--;
  }
  return floors;
}

/** The value of `q` of `n` units worth `amount` together: exact at q = n, never more. */
export const unitsValue = (amount: number, n: number, q: number): number =>
  q >= n ? amount : Math.floor((amount * q) / n);

export function openLedger(currency: string, lines: readonly OrderLineTerms[]): Ledger {
  return {
    currency,
    ordered: lines.reduce((a, l) => a + l.amount, 0),
    shipped: 0,
    invoiced: 0,
    credited: 0,
    paid: 0,
    refunded: 0,
    outstanding: 0,
    lines: lines.map((l) => ({ ordered: l.quantity, shipped: 0, invoiced: 0, credited: 0 })),
    invoices: {},
    seen: [],
  };
}

const refuse = (reason: LedgerRefusal, detail: string): Applied => ({ ok: false, reason, detail });

/** Units per line, summed, after checking each names a line and is a positive whole number. */
function unitsByLine(
  terms: readonly OrderLineTerms[],
  units: readonly LineUnits[],
): Map<number, number> | Applied {
  if (units.length === 0) return refuse('no-units', 'name at least one line and a quantity');
  const byLine = new Map<number, number>();
  for (const { line, quantity } of units) {
    if (!Number.isInteger(line) || line < 0 || line >= terms.length)
      return refuse('unknown-line', `the order has no line ${line}`);
    if (!Number.isInteger(quantity) || quantity < 1)
      return refuse('no-units', `line ${line}: the quantity must be a whole number of at least 1`);
    byLine.set(line, (byLine.get(line) ?? 0) + quantity);
  }
  return byLine;
}

const withTotals = (ledger: Ledger): Ledger => ({
  ...ledger,
  outstanding: ledger.invoiced - ledger.credited - ledger.paid + ledger.refunded,
});

const invoiceOutstanding = (i: InvoiceBalance) => i.amount - i.credited - i.paid + i.refunded;

/** The ledger after one event, or why the event is refused. Never mutates `ledger`. */
export function apply(terms: readonly OrderLineTerms[], ledger: Ledger, event: LedgerEvent): Applied {
  switch (event.kind) {
    case 'shipment': {
      const byLine = unitsByLine(terms, event.lines);
      if (!(byLine instanceof Map)) return byLine;
      const lines = ledger.lines.map((l) => ({ ...l }));
      let before = 0;
      let after = 0;
      for (const [i, q] of byLine) {
        const line = lines[i] as LineLedger;
        const term = terms[i] as OrderLineTerms;
        if (line.shipped + q > line.ordered)
          return refuse(
            'over-shipped',
            `line ${i}: ${line.shipped} of ${line.ordered} shipped already; ${q} more is too many`,
          );
        before += unitsValue(term.amount, term.quantity, line.shipped);
        line.shipped += q;
        after += unitsValue(term.amount, term.quantity, line.shipped);
      }
      const amount = after - before;
      return { ok: true, amount, ledger: withTotals({ ...ledger, lines, shipped: ledger.shipped + amount }) };
    }
    case 'invoice': {
      if (ledger.invoices[event.id])
        return refuse('duplicate-document', `invoice ${event.id} is already on the order`);
      const byLine = unitsByLine(terms, event.lines);
      if (!(byLine instanceof Map)) return byLine;
      const lines = ledger.lines.map((l) => ({ ...l }));
      const billed: Record<string, number> = {};
      const lineAmounts: Record<string, number> = {};
      let amount = 0;
      for (const [i, q] of byLine) {
        const line = lines[i] as LineLedger;
        const term = terms[i] as OrderLineTerms;
        if (line.invoiced + q > line.ordered)
          return refuse(
            'over-invoiced',
            `line ${i}: ${line.invoiced} of ${line.ordered} invoiced already; ${q} more is too many`,
          );
        const value =
          unitsValue(term.amount, term.quantity, line.invoiced + q) -
          unitsValue(term.amount, term.quantity, line.invoiced);
        line.invoiced += q;
        billed[i] = q;
        lineAmounts[i] = value;
        amount += value;
      }
      const invoice: InvoiceBalance = {
        kind: 'invoice',
        lines: billed,
        lineAmounts,
        creditedLines: {},
        amount,
        credited: 0,
        paid: 0,
        refunded: 0,
        outstanding: amount,
      };
      return {
        ok: true,
        amount,
        ledger: withTotals({
          ...ledger,
          lines,
          invoiced: ledger.invoiced + amount,
          invoices: { ...ledger.invoices, [event.id]: invoice },
        }),
      };
    }
    case 'credit_note': {
      const invoice = ledger.invoices[event.invoiceId];
      if (!invoice) return refuse('unknown-invoice', `the order has no invoice ${event.invoiceId}`);
      if (ledger.invoices[event.id])
        return refuse('duplicate-document', `${event.id} is already on the order`);
      const byLine = unitsByLine(terms, event.lines);
      if (!(byLine instanceof Map)) return byLine;
      const lines = ledger.lines.map((l) => ({ ...l }));
      const creditedLines = { ...invoice.creditedLines };
      let amount = 0;
      for (const [i, q] of byLine) {
        const billed = invoice.lines[i] ?? 0;
        const done = creditedLines[i] ?? 0;
        if (done + q > billed)
          return refuse(
            'over-credited',
            `line ${i}: invoice ${event.invoiceId} billed ${billed} and ${done} are credited already; ${q} more is too many`,
          );
        const billedAmount = invoice.lineAmounts[i] ?? 0;
        amount += unitsValue(billedAmount, billed, done + q) - unitsValue(billedAmount, billed, done);
        creditedLines[i] = done + q;
        (lines[i] as LineLedger).credited += q;
      }
      const next: InvoiceBalance = { ...invoice, creditedLines, credited: invoice.credited + amount };
      next.outstanding = invoiceOutstanding(next);
      return {
        ok: true,
        amount,
        ledger: withTotals({
          ...ledger,
          lines,
          credited: ledger.credited + amount,
          invoices: { ...ledger.invoices, [event.invoiceId]: next },
        }),
      };
    }
    case 'payment':
    case 'refund': {
      if (event.externalId && ledger.seen.includes(event.externalId))
        return { ok: true, ledger, amount: 0, duplicate: true };
      const invoice = ledger.invoices[event.invoiceId];
      if (!invoice) return refuse('unknown-invoice', `the order has no invoice ${event.invoiceId}`);
      if (!Number.isInteger(event.amount) || event.amount <= 0)
        return refuse('not-positive', 'the amount must be a whole number of minor units above 0');
      if (event.currency !== ledger.currency)
        return refuse(
          'currency-mismatch',
          `the invoice is in ${ledger.currency}; a ${event.kind} in ${event.currency} cannot be applied to it`,
        );
      const next: InvoiceBalance = { ...invoice };
      if (event.kind === 'refund') {
        const refundable = invoice.paid - invoice.refunded;
        if (event.amount > refundable)
          return refuse(
            'over-refunded',
            `invoice ${event.invoiceId} has ${refundable} paid and not refunded; ${event.amount} is more`,
          );
        next.refunded += event.amount;
      } else next.paid += event.amount;
      next.outstanding = invoiceOutstanding(next);
      return {
        ok: true,
        amount: event.amount,
        ledger: withTotals({
          ...ledger,
          paid: ledger.paid + (event.kind === 'payment' ? event.amount : 0),
          refunded: ledger.refunded + (event.kind === 'refund' ? event.amount : 0),
          invoices: { ...ledger.invoices, [event.invoiceId]: next },
          seen: event.externalId ? [...ledger.seen, event.externalId] : ledger.seen,
        }),
      };
    }
  }
}

/** Where an order stands on shipping and on money, from its ledger alone. */
export function standing(ledger: Ledger): {
  fulfilment: 'unshipped' | 'partially_shipped' | 'shipped';
  billing: 'unbilled' | 'partially_billed' | 'billed';
  payment: 'unpaid' | 'partly_paid' | 'paid' | 'overpaid';
} {
  const shippedUnits = ledger.lines.reduce((a, l) => a + l.shipped, 0);
  const orderedUnits = ledger.lines.reduce((a, l) => a + l.ordered, 0);
  const invoicedUnits = ledger.lines.reduce((a, l) => a + l.invoiced, 0);
  const owed = ledger.invoiced - ledger.credited;
  const netPaid = ledger.paid - ledger.refunded;
  return {
    fulfilment:
      shippedUnits === 0 ? 'unshipped' : shippedUnits < orderedUnits ? 'partially_shipped' : 'shipped',
    billing: invoicedUnits === 0 ? 'unbilled' : invoicedUnits < orderedUnits ? 'partially_billed' : 'billed',
    payment:
      netPaid <= 0 ? 'unpaid' : ledger.outstanding > 0 ? 'partly_paid' : netPaid > owed ? 'overpaid' : 'paid',
  };
}
