/**
 * The CRM record types the API serves, each described once: its schemas, how it can be listed,
 * what it references, what must be unique, and who may read or change it. The routes, the
 * OpenAPI document, the store and the use cases all read these descriptions.
 */
import * as z from 'zod';
import { IsoDate, ROLES, type StoredRecord, SystemFields } from '#schemas/common';
import { AccountInput } from '#schemas/records/account';
import { ContactInput } from '#schemas/records/contact';
import { LEAD_SERVER_FIELDS, LEAD_STATUSES, LeadInput, LeadServerFields } from '#schemas/records/lead';
import {
  INVOICE_STATUSES,
  InvoiceFields,
  ORDER_STATUSES,
  OrderInput,
  type OrderLine,
  OrderServerFields,
  PaymentFields,
  ShipmentFields,
} from '#schemas/records/order';
import { ProductInput } from '#schemas/records/product';
import { QueueInput } from '#schemas/records/queue';
import {
  type PricedQuoteLine,
  QUOTE_STATUSES,
  QuoteInput,
  QuoteLineInput,
  QuoteServerFields,
  type QuoteTotals,
} from '#schemas/records/quote';
import { TICKET_PRIORITIES, TICKET_STATUSES, TicketInput, TicketServerFields } from '#schemas/records/ticket';
import { UserInput } from '#schemas/records/user';
import type { IndexName } from '#store/table-design';
import { allocate, type Ledger, openLedger, standing } from '../../orders/domain/ledger.ts';
import { type PricingProduct, priceQuote } from './price-quote.ts';
import { RECORD_CATALOGUE, type RecordTypeEntry, type RecordTypeName } from './record-catalogue.ts';

export { RECORD_TYPE_NAMES } from './record-catalogue.ts';
export type { RecordTypeName };

export interface Reference {
  path: (string | number)[];
  type: RecordTypeName;
  id: string;
}

export interface ListFilter {
  /** Record field compared for equality. */
  field: string;
  /** Index that serves the filter; without one it narrows another query's results. */
  index?: IndexName;
  schema: z.ZodType<string | boolean>;
  description: string;
}

export type DeriveResult =
  | { ok: true; fields: Record<string, unknown> }
  | { ok: false; issues: { path: (string | number)[]; message: string }[] };

export interface RecordType extends RecordTypeEntry {
  /** Body of a create; a PATCH is a JSON merge patch whose result must satisfy it too. */
  input: z.ZodObject;
  /** Server-owned fields (derived or managed by workflows); for the OpenAPI document. */
  serverFields?: z.ZodObject;
  filters: Record<string, ListFilter>;
  references: (input: Record<string, unknown>) => Reference[];
  unique: readonly string[];
  /** Fields findable by value without being unique (store/record-store.ts lookup keys). */
  lookups?: readonly string[];
  /** The input view of a stored record: what a merge patch applies to. */
  toInput: (record: StoredRecord) => Record<string, unknown>;
  /** Server-owned fields from validated input and the referenced records. */
  derive?: (
    input: Record<string, unknown>,
    refs: ReadonlyMap<string, StoredRecord>,
    current?: StoredRecord,
  ) => DeriveResult;
  /** Why a record may not be changed through the records API right now, if it may not. */
  lockedReason?: (record: StoredRecord) => string | undefined;
  /** Fields fixed once the record exists, with the reason given when a patch tries to change one. */
  immutable?: Record<string, string>;
  /** A sentence for the audit entry of an update, when the change means more than its fields say. */
  changeSummary?: (current: StoredRecord, next: StoredRecord) => string | undefined;
}

const pick = (record: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));

const inputView = (schema: z.ZodObject) => {
  const keys = Object.keys(schema.shape);
  return (record: StoredRecord) => pick(record, keys);
};

/** References held in plain top-level fields, e.g. `{ accountId: 'account' }`. */
const fieldRefs =
  (fields: Record<string, RecordTypeName>) =>
  (input: Record<string, unknown>): Reference[] =>
    Object.entries(fields).flatMap(([field, type]) => {
      const value = input[field];
      if (typeof value === 'string') return [{ path: [field], type, id: value }];
      if (Array.isArray(value)) return value.map((id, i) => ({ path: [field, i], type, id: String(id) }));
      return [];
    });

const ownerFilter: ListFilter = {
  field: 'ownerId',
  index: 'byOwner',
  schema: z.string(),
  description: 'Owner user id',
};
const accountFilter: ListFilter = {
  field: 'accountId',
  index: 'byAccount',
  schema: z.string(),
  description: 'Account id',
};
const queueFilter: ListFilter = {
  field: 'queueId',
  index: 'byQueue',
  schema: z.string(),
  description: 'Queue id',
};
const statusFilter = (values: readonly [string, ...string[]]): ListFilter => ({
  field: 'status',
  index: 'byStatus',
  schema: z.enum(values),
  description: `One of ${values.join(', ')}`,
});
const booleanFilter = (field: string, description: string): ListFilter => ({
  field,
  schema: z.enum(['true', 'false']).transform((v) => v === 'true'),
  description,
});

const quoteLineKeys = Object.keys(QuoteLineInput.shape);
const quoteInputKeys = Object.keys(QuoteInput.shape);

/** Statuses an edit that changes what approvers judged sends back to draft. */
const REAPPROVE = new Set(['approved', 'rejected', 'expired']);

/**
 * What approvers judged: what policies can test (prices, discounts, tax, products, families,
 * costs) and what makes the deal (account, owner, contact, validity). Any change to it after a
 * decision sends the quote back to draft.
 */
function approvalSignature(
  lines: PricedQuoteLine[],
  totals: QuoteTotals,
  input: Record<string, unknown>,
): string {
  return JSON.stringify([
    input.accountId,
    input.ownerId ?? null,
    input.contactId ?? null,
    input.validUntil ?? null,
    lines.map((l) => [
      l.productId,
      l.quantity,
      l.unitPrice,
      l.listPrice,
      l.discountPercent,
      l.family,
      l.unitCost,
    ]),
    input.discountPercent,
    input.taxRatePercent,
    totals.total,
  ]);
}

/** What a quote or an order names: its account, contact, owner and the products of its lines. */
const dealRefs = (input: Record<string, unknown>): Reference[] => {
  const lines = (input.lines as { productId?: string }[] | undefined) ?? [];
  return [
    ...fieldRefs({ accountId: 'account', contactId: 'contact', ownerId: 'user' })(input),
    ...lines.flatMap((line, i) =>
      line.productId
        ? [{ path: ['lines', i, 'productId'], type: 'product' as const, id: line.productId }]
        : [],
    ),
  ];
};

const quoteType: RecordType = {
  ...RECORD_CATALOGUE.quote,
  input: QuoteInput,
  serverFields: QuoteServerFields,
  filters: { owner: ownerFilter, account: accountFilter, status: statusFilter(QUOTE_STATUSES) },
  references: dealRefs,
  unique: [],
  toInput: (record) => ({
    ...pick(record, quoteInputKeys),
    lines: (record.lines as Record<string, unknown>[]).map((line) => pick(line, quoteLineKeys)),
  }),
  derive: (input, refs, current) => {
    const products = new Map<string, PricingProduct>();
    for (const [key, record] of refs)
      if (key.startsWith('product#')) products.set(record.id, record as unknown as PricingProduct);
    const quoted = (current?.lines as PricedQuoteLine[] | undefined) ?? [];
    const priced = priceQuote(input as QuoteInput, products, quoted);
    if (!priced.ok) return { ok: false, issues: priced.issues };
    const previous = current ? approvalSignature(quoted, current.totals as QuoteTotals, current) : undefined;
    const changed =
      previous !== undefined && previous !== approvalSignature(priced.lines, priced.totals, input);
    // A decided quote whose price, products or terms change must be approved again.
    const status =
      current === undefined
        ? 'draft'
        : changed && REAPPROVE.has(String(current.status))
          ? 'draft'
          : current.status;
    return { ok: true, fields: { lines: priced.lines, totals: priced.totals, status } };
  },
  immutable: {
    currency: 'a quote keeps the currency it was created in; create a new quote for another currency',
  },
  changeSummary: (current, next) =>
    current.status !== next.status && next.status === 'draft'
      ? `Back to draft: its price, terms, account, owner, contact or validity changed after it was ${String(current.status)}, so it needs approval again`
      : undefined,
  lockedReason: (record) =>
    record.status === 'pending_approval'
      ? 'the quote is pending approval; recall it before editing'
      : record.status === 'accepted'
        ? 'the quote was accepted by the customer and can no longer change'
        : undefined,
};

const orderLineKeys = quoteLineKeys;
const orderInputKeys = Object.keys(OrderInput.shape);
const orderFilter: ListFilter = {
  field: 'orderId',
  index: 'byOrder',
  schema: z.string(),
  description: 'Order id',
};

/**
 * An order's lines are priced as a quote's are, once, when it is created (an order from a quote
 * takes the quote's priced lines as they are: functions/orders/use-cases/order-from-quote.use-case.ts);
 * each line's share of the total is fixed then, and the ledger opens over those shares.
 * After that its lines and money never change through the records API — shipments, invoices and
 * payments move the ledger through the order routes.
 */
export function orderServerFields(
  currency: string,
  lines: PricedQuoteLine[],
  totals: QuoteTotals,
): { lines: OrderLine[]; totals: QuoteTotals; ledger: Ledger; standing: ReturnType<typeof standing> } {
  const shares = allocate(
    totals.total,
    lines.map((l) => l.net),
  );
  const priced = lines.map((l, i) => ({ ...l, total: shares[i] ?? 0 }));
  const ledger = openLedger(
    currency,
    priced.map((l) => ({ quantity: l.quantity, amount: l.total })),
  );
  return { lines: priced, totals, ledger, standing: standing(ledger) };
}

const orderType: RecordType = {
  ...RECORD_CATALOGUE.order,
  input: OrderInput,
  serverFields: OrderServerFields,
  filters: {
    account: accountFilter,
    owner: ownerFilter,
    status: statusFilter(ORDER_STATUSES),
    quote: { field: 'quoteId', schema: z.string(), description: 'The quote the order was made from' },
  },
  references: dealRefs,
  unique: ['externalRef', 'quoteId'],
  toInput: (record) => ({
    ...pick(record, orderInputKeys),
    lines: (record.lines as Record<string, unknown>[]).map((line) => pick(line, orderLineKeys)),
  }),
  derive: (input, refs, current) => {
    if (current)
      return {
        ok: true,
        fields: pick(current, ['status', 'quoteId', 'lines', 'totals', 'ledger', 'standing', 'erp']),
      };
    const products = new Map<string, PricingProduct>();
    for (const [key, record] of refs)
      if (key.startsWith('product#')) products.set(record.id, record as unknown as PricingProduct);
    const priced = priceQuote(input as QuoteInput, products, []);
    if (!priced.ok) return { ok: false, issues: priced.issues };
    return {
      ok: true,
      fields: {
        status: 'pending',
        ...orderServerFields(String(input.currency), priced.lines, priced.totals),
      },
    };
  },
  immutable: {
    accountId: 'an order stays with its account; cancel it and create another',
    currency: 'an order keeps its currency',
    lines: 'the lines of an order are fixed when it is made; cancel it, or credit what changed',
    discountPercent: 'the price of an order is fixed when it is made',
    taxRatePercent: 'the price of an order is fixed when it is made',
  },
  lockedReason: (record) =>
    record.status === 'cancelled' || record.status === 'closed'
      ? `the order is ${String(record.status)}`
      : undefined,
};

/** The types whose records only the order routes write: read views, with their filters. */
const orderDocument = (
  entry: RecordTypeEntry,
  input: z.ZodObject,
  filters: Record<string, ListFilter>,
  unique: readonly string[],
): RecordType => ({
  ...entry,
  input,
  filters,
  references: fieldRefs({ orderId: 'order', accountId: 'account' }),
  unique,
  toInput: inputView(input),
});

export const RECORD_TYPES: Record<RecordTypeName, RecordType> = {
  account: {
    ...RECORD_CATALOGUE.account,
    input: AccountInput,
    filters: { owner: ownerFilter },
    references: fieldRefs({ ownerId: 'user', parentAccountId: 'account' }),
    unique: [],
    toInput: inputView(AccountInput),
  },
  contact: {
    ...RECORD_CATALOGUE.contact,
    input: ContactInput,
    filters: { owner: ownerFilter, account: accountFilter },
    references: fieldRefs({ accountId: 'account', ownerId: 'user' }),
    unique: [],
    // Lead intake finds the contact a lead's email or phone belongs to by key, not by reading all contacts.
    lookups: ['email', 'phone'],
    toInput: inputView(ContactInput),
  },
  lead: {
    ...RECORD_CATALOGUE.lead,
    input: LeadInput,
    filters: { owner: ownerFilter, status: statusFilter(LEAD_STATUSES), queue: queueFilter },
    references: fieldRefs({ ownerId: 'user', queueId: 'queue' }),
    unique: [],
    toInput: inputView(LeadInput),
    serverFields: LeadServerFields,
    // Score, routing and duplicate links are written by lead intake and routing
    // (functions/leads); an edit through the records API keeps them as they are.
    derive: (_input, _refs, current) => ({
      ok: true,
      fields: current ? pick(current, LEAD_SERVER_FIELDS) : {},
    }),
  },
  user: {
    ...RECORD_CATALOGUE.user,
    input: UserInput,
    filters: {
      role: { field: 'role', schema: z.enum(ROLES), description: 'Role' },
      manager: { field: 'managerId', schema: z.string(), description: 'Manager user id' },
      active: booleanFilter('active', 'Active users only (true) or inactive only (false)'),
    },
    references: fieldRefs({ managerId: 'user' }),
    unique: ['email', 'cognitoSub'],
    toInput: inputView(UserInput),
  },
  queue: {
    ...RECORD_CATALOGUE.queue,
    input: QueueInput,
    filters: {},
    references: fieldRefs({ memberIds: 'user', managerId: 'user' }),
    unique: ['name'],
    toInput: inputView(QueueInput),
  },
  product: {
    ...RECORD_CATALOGUE.product,
    input: ProductInput,
    filters: {
      family: { field: 'family', schema: z.string(), description: 'Product family' },
      active: booleanFilter('active', 'Active products only (true) or inactive only (false)'),
    },
    references: () => [],
    unique: ['sku'],
    toInput: inputView(ProductInput),
  },
  quote: quoteType,
  ticket: {
    ...RECORD_CATALOGUE.ticket,
    input: TicketInput,
    filters: {
      owner: ownerFilter,
      status: statusFilter(TICKET_STATUSES),
      account: accountFilter,
      queue: queueFilter,
      priority: { field: 'priority', schema: z.enum(TICKET_PRIORITIES), description: 'Priority' },
    },
    references: fieldRefs({ accountId: 'account', contactId: 'contact', queueId: 'queue', ownerId: 'user' }),
    unique: [],
    toInput: inputView(TicketInput),
    serverFields: TicketServerFields,
  },
  order: orderType,
  shipment: orderDocument(
    RECORD_CATALOGUE.shipment,
    ShipmentFields,
    { order: orderFilter, account: accountFilter },
    ['erpRef'],
  ),
  invoice: orderDocument(
    RECORD_CATALOGUE.invoice,
    InvoiceFields,
    {
      order: orderFilter,
      account: accountFilter,
      status: statusFilter(INVOICE_STATUSES),
      kind: {
        field: 'kind',
        schema: z.enum(['invoice', 'credit_note']),
        description: 'invoice or credit_note',
      },
      dueDate: { field: 'dueDate', schema: IsoDate, description: 'Due on this day (YYYY-MM-DD)' },
    },
    ['erpRef', 'shipmentId'],
  ),
  payment: orderDocument(
    RECORD_CATALOGUE.payment,
    PaymentFields,
    {
      order: orderFilter,
      account: accountFilter,
      invoice: { field: 'invoiceId', schema: z.string(), description: 'Invoice id' },
    },
    ['externalId'],
  ),
};

export const recordTypeByCollection = (collection: string): RecordType | undefined =>
  Object.values(RECORD_TYPES).find((t) => t.collection === collection);

export const recordTypeById = (id: string): RecordType | undefined =>
  Object.values(RECORD_TYPES).find((t) => id.startsWith(`${t.idPrefix}_`));

/** The full record schema for responses and the OpenAPI document. */
export function recordSchema(type: RecordType): z.ZodObject {
  // Built from the shape: zod cannot extend an object that carries cross-field refinements.
  return z
    .object(type.input.shape)
    .extend(type.serverFields?.shape ?? {})
    .extend({ id: z.string(), ...SystemFields.shape })
    .meta({ id: type.label });
}
