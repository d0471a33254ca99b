/**
 * The local ERP's books: ERPNext-shaped documents (Customer, Item, Sales Order, Delivery Note,
 * Sales Invoice, Payment Entry) and the rules between them, as docs/erp.md describes — drafts (docstatus 0) that are submitted (1) or cancelled (2), partial deliveries
 * and billing tracked on the sales order, invoices paid in part or in full, credit notes that
 * may leave an invoice negative, and a unique client reference (`po_no`, `reference_no`) that
 * makes a repeated create answer 409 with the document it already made.
 *
 * Amounts are decimals in the document's currency, as ERPNext keeps them, rounded to cents.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type DocStatus = 0 | 1 | 2;

export interface ErpDoc {
  doctype: string;
  name: string;
  docstatus: DocStatus;
  creation: string;
  modified: string;
  [field: string]: unknown;
}

export class ErpError extends Error {
  constructor(
    readonly status: number,
    readonly excType: string,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ItemRow {
  idx: number;
  item_code: string;
  item_name?: string;
  qty: number;
  rate: number;
  amount: number;
  delivered_qty?: number;
  billed_qty?: number;
  /** On a delivery note or invoice row: the sales order row it fulfils. */
  so_detail?: number;
}

/** The one company the local ERP keeps books for. */
export const ERP_COMPANY = 'Junction Demo';

const round2 = (n: number) => Math.round(n * 100) / 100;

const PREFIX: Record<string, string> = {
  'Sales Order': 'SO',
  'Delivery Note': 'DN',
  'Sales Invoice': 'SINV',
  'Payment Entry': 'PE',
};

/** Fields whose value may be held by one document of a doctype only (the client's reference). */
const UNIQUE: Record<string, string> = {
  'Sales Order': 'po_no',
  'Sales Invoice': 'po_no',
  'Payment Entry': 'reference_no',
};

export interface ErpBooksSeed {
  customers: { name: string; credit_limit: number; currency: string }[];
  items: { item_code: string; item_name: string; standard_rate: number }[];
}

export class ErpBooks {
  private docs = new Map<string, Map<string, ErpDoc>>();
  private counters: Record<string, number> = {};

  constructor(
    private readonly file: string | undefined,
    seed: ErpBooksSeed,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as {
        docs: Record<string, ErpDoc[]>;
        counters: Record<string, number>;
      };
      for (const [doctype, list] of Object.entries(saved.docs))
        this.docs.set(doctype, new Map(list.map((d) => [d.name, d])));
      this.counters = saved.counters;
    } else {
      for (const c of seed.customers)
        this.put({
          ...this.base('Customer', c.name),
          customer_name: c.name,
          default_currency: c.currency,
          credit_limits: [{ company: ERP_COMPANY, credit_limit: c.credit_limit }],
          docstatus: 1,
        });
      for (const i of seed.items) this.put({ ...this.base('Item', i.item_code), ...i, docstatus: 1 });
      this.save();
    }
  }

  private base(doctype: string, name: string): ErpDoc {
    const at = this.now().toISOString();
    return { doctype, name, docstatus: 0, creation: at, modified: at };
  }

  private put(doc: ErpDoc): ErpDoc {
    let table = this.docs.get(doc.doctype);
    if (!table) {
      table = new Map();
      this.docs.set(doc.doctype, table);
    }
    table.set(doc.name, doc);
    return doc;
  }

  private save() {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const docs = Object.fromEntries([...this.docs].map(([t, m]) => [t, [...m.values()]]));
    writeFileSync(this.file, JSON.stringify({ docs, counters: this.counters }));
  }

  private nextName(doctype: string): string {
    const prefix = PREFIX[doctype] ?? doctype.toUpperCase().replace(/\s+/g, '-');
    const year = this.now().getUTCFullYear();
    const n = (this.counters[doctype] ?? 0) + 1;
    this.counters[doctype] = n;
    return `${prefix}-${year}-${String(n).padStart(5, '0')}`;
  }

  get(doctype: string, name: string): ErpDoc {
    const doc = this.docs.get(doctype)?.get(name);
    if (!doc) throw new ErpError(404, 'DoesNotExistError', `${doctype} ${name} not found`);
    return structuredClone(doc);
  }

  list(doctype: string, filters: [string, string, unknown][], start: number, limit: number) {
    const all = [...(this.docs.get(doctype)?.values() ?? [])].filter((doc) =>
      filters.every(([field, op, value]) => {
        const actual = doc[field];
        if (op === '=') return actual === value;
        if (op === '!=') return actual !== value;
        if (op === 'in') return Array.isArray(value) && value.includes(actual);
        throw new ErpError(400, 'ValidationError', `filter operator ${op} is not supported`);
      }),
    );
    return {
      data: all.slice(start, start + limit).map((d) => structuredClone(d)),
      has_next_page: start + limit < all.length,
    };
  }

  /** Inserts a draft. A repeated client reference answers 409 naming the document that holds it. */
  insert(doctype: string, body: Record<string, unknown>): ErpDoc {
    const unique = UNIQUE[doctype];
    const ref = unique ? body[unique] : undefined;
    if (unique && typeof ref === 'string' && ref !== '') {
      const holder = [...(this.docs.get(doctype)?.values() ?? [])].find(
        (d) => d[unique] === ref && d.docstatus !== 2,
      );
      if (holder)
        throw new ErpError(
          409,
          'DuplicateEntryError',
          `${doctype} with ${unique} ${ref} already exists: ${holder.name}`,
          {
            name: holder.name,
          },
        );
    }
    const doc: ErpDoc = { ...body, ...this.base(doctype, this.nextName(doctype)) };
    switch (doctype) {
      case 'Sales Order':
        this.prepareSalesOrder(doc);
        break;
      case 'Delivery Note':
        this.prepareDeliveryNote(doc);
        break;
      case 'Sales Invoice':
        this.prepareInvoice(doc);
        break;
      case 'Payment Entry':
        this.preparePayment(doc);
        break;
      default:
        throw new ErpError(403, 'PermissionError', `documents of type ${doctype} cannot be created here`);
    }
    this.put(doc);
    this.save();
    return structuredClone(doc);
  }

  private customer(name: unknown): ErpDoc {
    if (typeof name !== 'string') throw new ErpError(417, 'MandatoryError', 'customer is required');
    const found = this.docs.get('Customer')?.get(name);
    if (!found) throw new ErpError(417, 'LinkValidationError', `Could not find Customer: ${name}`);
    return found;
  }

  private rows(doc: ErpDoc, allowNegative = false): ItemRow[] {
    const items = doc.items;
    if (!Array.isArray(items) || items.length === 0)
      throw new ErpError(417, 'MandatoryError', 'items are required');
    return items.map((raw, i) => {
      const row = raw as Partial<ItemRow>;
      const item = typeof row.item_code === 'string' ? this.docs.get('Item')?.get(row.item_code) : undefined;
      if (!item)
        throw new ErpError(417, 'LinkValidationError', `Could not find Item: ${String(row.item_code)}`);
      const qty = Number(row.qty);
      if (!Number.isFinite(qty) || qty === 0 || (!allowNegative && qty < 0))
        throw new ErpError(
          417,
          'ValidationError',
          `row ${i + 1}: qty must be ${allowNegative ? 'non-zero' : 'positive'}`,
        );
      const rate = round2(Number(row.rate ?? item.standard_rate));
      if (!Number.isFinite(rate) || rate < 0)
        throw new ErpError(417, 'ValidationError', `row ${i + 1}: bad rate`);
      return {
        ...row,
        idx: i + 1,
        item_code: row.item_code as string,
        item_name: String(item.item_name),
        qty,
        rate,
        amount: round2(qty * rate),
      };
    });
  }

  private prepareSalesOrder(doc: ErpDoc) {
    const customer = this.customer(doc.customer);
    doc.currency = doc.currency ?? customer.default_currency;
    const items = this.rows(doc).map((r) => ({ ...r, delivered_qty: 0, billed_qty: 0 }));
    doc.items = items;
    doc.grand_total = round2(items.reduce((a, r) => a + r.amount, 0));
    doc.per_delivered = 0;
    doc.per_billed = 0;
    doc.status = 'Draft';
  }

  private prepareDeliveryNote(doc: ErpDoc) {
    const order = this.submitted('Sales Order', doc.against_sales_order);
    doc.customer = order.customer;
    const orderRows = order.items as ItemRow[];
    doc.items = this.rows(doc).map((r) => {
      const soRow =
        orderRows.find((o) => o.idx === r.so_detail) ?? orderRows.find((o) => o.item_code === r.item_code);
      if (!soRow) throw new ErpError(417, 'ValidationError', `${r.item_code} is not on ${order.name}`);
      return { ...r, rate: soRow.rate, amount: round2(r.qty * soRow.rate), so_detail: soRow.idx };
    });
    doc.status = 'Draft';
  }

  private prepareInvoice(doc: ErpDoc) {
    const isReturn = doc.is_return === 1;
    if (isReturn) {
      const against = this.submitted('Sales Invoice', doc.return_against);
      doc.customer = against.customer;
      doc.sales_order = against.sales_order;
      doc.currency = against.currency;
    } else {
      const order = this.submitted('Sales Order', doc.sales_order);
      doc.customer = order.customer;
      doc.currency = order.currency;
    }
    const rows = this.rows(doc, isReturn);
    if (isReturn && rows.some((r) => r.qty > 0))
      throw new ErpError(417, 'ValidationError', 'a return has negative quantities');
    doc.items = rows;
    doc.grand_total = round2(rows.reduce((a, r) => a + r.amount, 0));
    doc.outstanding_amount = doc.grand_total;
    doc.status = 'Draft';
  }

  private preparePayment(doc: ErpDoc) {
    const refs = doc.references as {
      reference_doctype: string;
      reference_name: string;
      allocated_amount: number;
    }[];
    if (!Array.isArray(refs) || refs.length !== 1)
      throw new ErpError(417, 'ValidationError', 'a payment entry references one invoice here');
    const invoice = this.submitted('Sales Invoice', refs[0]?.reference_name);
    const paid = round2(Number(doc.paid_amount));
    if (!(paid > 0)) throw new ErpError(417, 'ValidationError', 'paid_amount must be positive');
    doc.party = invoice.customer;
    doc.payment_type = doc.payment_type ?? 'Receive';
    if (doc.payment_type !== 'Receive' && doc.payment_type !== 'Pay')
      throw new ErpError(417, 'ValidationError', 'payment_type is Receive or Pay');
    doc.status = 'Draft';
  }

  private submitted(doctype: string, name: unknown): ErpDoc {
    const doc = typeof name === 'string' ? this.docs.get(doctype)?.get(name) : undefined;
    if (!doc) throw new ErpError(417, 'LinkValidationError', `Could not find ${doctype}: ${String(name)}`);
    if (doc.docstatus !== 1)
      throw new ErpError(417, 'ValidationError', `${doctype} ${doc.name} is not submitted`);
    return doc;
  }

  private live(doctype: string, name: string): ErpDoc {
    const doc = this.docs.get(doctype)?.get(name);
    if (!doc) throw new ErpError(404, 'DoesNotExistError', `${doctype} ${name} not found`);
    return doc;
  }

  submit(doctype: string, name: string): ErpDoc {
    const doc = this.live(doctype, name);
    if (doc.docstatus === 1) return structuredClone(doc);
    if (doc.docstatus === 2) throw new ErpError(417, 'ValidationError', `${doctype} ${name} is cancelled`);
    switch (doctype) {
      case 'Sales Order':
        doc.status = 'To Deliver and Bill';
        break;
      case 'Delivery Note':
        this.deliver(doc, 1);
        doc.status = 'Completed';
        break;
      case 'Sales Invoice':
        this.bill(doc, 1);
        doc.status = doc.is_return === 1 ? 'Return' : 'Unpaid';
        break;
      case 'Payment Entry':
        this.pay(doc, 1);
        doc.status = 'Submitted';
        break;
    }
    doc.docstatus = 1;
    doc.modified = this.now().toISOString();
    this.save();
    return structuredClone(doc);
  }

  cancel(doctype: string, name: string): ErpDoc {
    const doc = this.live(doctype, name);
    if (doc.docstatus === 2) return structuredClone(doc);
    if (doc.docstatus === 1) {
      const linked = this.linkedTo(doc);
      if (linked)
        throw new ErpError(
          417,
          'LinkExistsError',
          `Cannot cancel ${doctype} ${name}: submitted ${linked.doctype} ${linked.name} is linked to it`,
        );
      if (doctype === 'Delivery Note') this.deliver(doc, -1);
      if (doctype === 'Sales Invoice') this.bill(doc, -1);
      if (doctype === 'Payment Entry') this.pay(doc, -1);
    }
    doc.docstatus = 2;
    doc.status = 'Cancelled';
    doc.modified = this.now().toISOString();
    this.save();
    return structuredClone(doc);
  }

  private linkedTo(doc: ErpDoc): ErpDoc | undefined {
    const submitted = (doctype: string) =>
      [...(this.docs.get(doctype)?.values() ?? [])].filter((d) => d.docstatus === 1);
    if (doc.doctype === 'Sales Order')
      return (
        submitted('Delivery Note').find((d) => d.against_sales_order === doc.name) ??
        submitted('Sales Invoice').find((d) => d.sales_order === doc.name)
      );
    if (doc.doctype === 'Sales Invoice')
      return (
        submitted('Payment Entry').find((p) =>
          (p.references as { reference_name: string }[]).some((r) => r.reference_name === doc.name),
        ) ?? submitted('Sales Invoice').find((d) => d.return_against === doc.name)
      );
    return undefined;
  }

  private deliver(note: ErpDoc, sign: 1 | -1) {
    const order = this.live('Sales Order', String(note.against_sales_order));
    const rows = order.items as ItemRow[];
    for (const r of note.items as ItemRow[]) {
      const row = rows.find((o) => o.idx === r.so_detail) as ItemRow;
      const next = (row.delivered_qty ?? 0) + sign * r.qty;
      if (next > row.qty)
        throw new ErpError(
          417,
          'ValidationError',
          `${row.item_code}: only ${row.qty - (row.delivered_qty ?? 0)} left to deliver`,
        );
      row.delivered_qty = next;
    }
    this.refreshOrder(order);
  }

  private bill(invoice: ErpDoc, sign: 1 | -1) {
    const orderName = invoice.sales_order;
    if (typeof orderName === 'string') {
      const order = this.live('Sales Order', orderName);
      const rows = order.items as ItemRow[];
      for (const r of invoice.items as ItemRow[]) {
        const row = rows.find((o) => o.idx === r.so_detail) ?? rows.find((o) => o.item_code === r.item_code);
        if (!row) continue;
        const next = (row.billed_qty ?? 0) + sign * r.qty;
        if (next > row.qty)
          throw new ErpError(
            417,
            'ValidationError',
            `${row.item_code}: only ${row.qty - (row.billed_qty ?? 0)} left to bill`,
          );
        row.billed_qty = next;
      }
      this.refreshOrder(order);
    }
    if (invoice.is_return === 1) {
      // A credit note lowers what the original invoice is owed; it may go negative.
      const against = this.live('Sales Invoice', String(invoice.return_against));
      against.outstanding_amount = round2(
        Number(against.outstanding_amount) + sign * Number(invoice.grand_total),
      );
      this.refreshInvoice(against);
    }
  }

  private pay(entry: ErpDoc, sign: 1 | -1) {
    const ref = (entry.references as { reference_name: string }[])[0] as { reference_name: string };
    const invoice = this.live('Sales Invoice', ref.reference_name);
    const direction = entry.payment_type === 'Pay' ? -1 : 1;
    invoice.outstanding_amount = round2(
      Number(invoice.outstanding_amount) - sign * direction * Number(entry.paid_amount),
    );
    this.refreshInvoice(invoice);
  }

  private refreshInvoice(invoice: ErpDoc) {
    const outstanding = Number(invoice.outstanding_amount);
    const total = Number(invoice.grand_total);
    invoice.status =
      invoice.is_return === 1
        ? 'Return'
        : outstanding < 0
          ? 'Credit Note Issued'
          : outstanding === 0
            ? 'Paid'
            : outstanding < total
              ? 'Partly Paid'
              : 'Unpaid';
    invoice.modified = this.now().toISOString();
  }

  private refreshOrder(order: ErpDoc) {
    const rows = order.items as ItemRow[];
    const total = rows.reduce((a, r) => a + r.qty, 0);
    const delivered = rows.reduce((a, r) => a + (r.delivered_qty ?? 0), 0);
    const billed = rows.reduce((a, r) => a + (r.billed_qty ?? 0), 0);
    order.per_delivered = round2((delivered / total) * 100);
    order.per_billed = round2((billed / total) * 100);
    order.status =
      delivered >= total && billed >= total
        ? 'Completed'
        : delivered >= total
          ? 'To Bill'
          : billed >= total
            ? 'To Deliver'
            : 'To Deliver and Bill';
    order.modified = this.now().toISOString();
  }

  /** A draft delivery note with what is left to deliver (the contract's `make_delivery_note`). */
  makeDeliveryNote(orderName: string, only?: { item_code: string; qty: number }[]): Record<string, unknown> {
    const order = this.submitted('Sales Order', orderName);
    const rows = (order.items as ItemRow[]).flatMap((r) => {
      const pending = r.qty - (r.delivered_qty ?? 0);
      const wanted = only ? (only.find((o) => o.item_code === r.item_code)?.qty ?? 0) : pending;
      const qty = Math.min(pending, wanted);
      return qty > 0 ? [{ item_code: r.item_code, qty, rate: r.rate, so_detail: r.idx }] : [];
    });
    if (rows.length === 0)
      throw new ErpError(417, 'ValidationError', `${orderName} has nothing left to deliver`);
    return {
      doctype: 'Delivery Note',
      against_sales_order: orderName,
      customer: order.customer,
      items: rows,
    };
  }

  /** A draft invoice for what is not billed yet, of the whole order or of one delivery note. */
  makeSalesInvoice(source: { salesOrder?: string; deliveryNote?: string }): Record<string, unknown> {
    if (source.deliveryNote) {
      const note = this.submitted('Delivery Note', source.deliveryNote);
      return {
        doctype: 'Sales Invoice',
        sales_order: note.against_sales_order,
        delivery_note: note.name,
        customer: note.customer,
        items: (note.items as ItemRow[]).map((r) => ({
          item_code: r.item_code,
          qty: r.qty,
          rate: r.rate,
          so_detail: r.so_detail,
        })),
      };
    }
    const order = this.submitted('Sales Order', source.salesOrder);
    const rows = (order.items as ItemRow[]).flatMap((r) => {
      const qty = r.qty - (r.billed_qty ?? 0);
      return qty > 0 ? [{ item_code: r.item_code, qty, rate: r.rate, so_detail: r.idx }] : [];
    });
    if (rows.length === 0) throw new ErpError(417, 'ValidationError', `${order.name} is fully billed`);
    return { doctype: 'Sales Invoice', sales_order: order.name, customer: order.customer, items: rows };
  }

  /** A draft payment entry against an invoice (the contract's `get_payment_entry`). */
  makePaymentEntry(invoiceName: string, amount?: number): Record<string, unknown> {
    const invoice = this.submitted('Sales Invoice', invoiceName);
    const paid = amount ?? Number(invoice.outstanding_amount);
    return {
      doctype: 'Payment Entry',
      payment_type: 'Receive',
      party: invoice.customer,
      paid_amount: paid,
      references: [
        { reference_doctype: 'Sales Invoice', reference_name: invoice.name, allocated_amount: paid },
      ],
    };
  }

  /** What a customer owes on submitted invoices, for the credit check. */
  customerOutstanding(customer: string): number {
    return round2(
      [...(this.docs.get('Sales Invoice')?.values() ?? [])]
        .filter((i) => i.docstatus === 1 && i.customer === customer && i.is_return !== 1)
        .reduce((a, i) => a + Number(i.outstanding_amount), 0),
    );
  }

  /** Every document, newest first, for the page. */
  all(): ErpDoc[] {
    return [...this.docs.values()]
      .flatMap((m) => [...m.values()])
      .filter((d) => d.doctype !== 'Item' && d.doctype !== 'Customer')
      .sort((a, b) => b.creation.localeCompare(a.creation) || b.name.localeCompare(a.name));
  }
}
