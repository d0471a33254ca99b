/**
 * Shared by the order use cases: a document that changes an order's ledger (shipment, invoice,
 * credit note, payment, refund) is written in one transaction with the order's next version —
 * and the invoice's, for payments and credits — each with its audit entry. The order's version
 * condition makes two documents racing on one order apply one after the other: the loser
 * re-reads the order and is applied to the ledger as it now stands.
 */
import type { StoredRecord } from '#schemas/common';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { diff, firstVersion } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import {
  auditEntry,
  businessFields,
  loadRecord,
  withRetries,
} from '../../records/use-cases/record-service.ts';
import { conflict, type FieldError, invalidFields } from '../../shared/errors.ts';
import { apply, type Ledger, type LedgerEvent, type LedgerRefusal, standing } from '../domain/ledger.ts';

export type OrderRecord = StoredRecord & {
  ledger: Ledger;
  currency: string;
  accountId: string;
  status: string;
};

/** A document to create with the ledger change, and why, for its audit entry. */
export interface NewDocument {
  type: 'shipment' | 'invoice' | 'payment';
  /** Its id when the ledger event names it (an invoice); else one is made. */
  id?: string;
  fields: Record<string, unknown>;
  summary: string;
}

/** Another record the change moves to its next version (an invoice's balance). */
export interface NextVersion {
  type: 'invoice';
  current: StoredRecord;
  fields: Record<string, unknown>;
  summary: string;
}

export interface LedgerChange {
  event: LedgerEvent;
  /** Given the amount the ledger worked out and the next ledger, what to write besides the order. */
  write: (
    amount: number,
    ledger: Ledger,
  ) => { create: NewDocument; update?: NextVersion[]; orderSummary: string };
  /** Where in the request body a refusal points. */
  pointers?: Partial<Record<LedgerRefusal, string>>;
}

export async function loadOrder(deps: RecordDeps, id: string): Promise<OrderRecord> {
  return (await loadRecord(deps, RECORD_TYPES.order, id)) as OrderRecord;
}

/** Orders that no longer take documents. */
function assertOpen(order: OrderRecord) {
  if (order.status === 'cancelled' || order.status === 'closed')
    throw conflict(
      'order-closed',
      'Order closed',
      `Order ${order.id} is ${order.status}; it takes no more documents.`,
    );
}

const DEFAULT_POINTERS: Record<LedgerRefusal, string> = {
  'unknown-line': '/lines',
  'no-units': '/lines',
  'over-shipped': '/lines',
  'over-invoiced': '/lines',
  'unknown-invoice': '',
  'duplicate-document': '',
  'over-credited': '/lines',
  'not-positive': '/amount',
  'currency-mismatch': '/currency',
  'over-refunded': '/amount',
};

/**
 * Applies a document to an order's ledger and writes it, the order and any other next versions
 * together. A refusal is a 422 on the field it concerns, and nothing is written.
 */
export async function changeLedger(
  deps: RecordDeps,
  orderId: string,
  source: ChangeSource,
  plan: (order: OrderRecord) => LedgerChange | Promise<LedgerChange>,
): Promise<{ document: StoredRecord; order: StoredRecord }> {
  return withRetries(
    async () => {
      const order = await loadOrder(deps, orderId);
      assertOpen(order);
      const change = await plan(order);
      const terms = (order.lines as { quantity: number; total: number }[]).map((l) => ({
        quantity: l.quantity,
        amount: l.total,
      }));
      const applied = apply(terms, order.ledger, change.event);
      if (!applied.ok) {
        const pointer = change.pointers?.[applied.reason] ?? DEFAULT_POINTERS[applied.reason];
        const error: FieldError = {
          pointer,
          detail: applied.detail,
          code: applied.reason.replace(/-/g, '_'),
        };
        throw invalidFields([error]);
      }
      const at = deps.now().toISOString();
      const { create, update = [], orderSummary } = change.write(applied.amount, applied.ledger);
      const docType = RECORD_TYPES[create.type];
      const document: StoredRecord = {
        ...create.fields,
        id: create.id ?? deps.newId(docType.idPrefix),
        ...firstVersion(at, source.actor.id),
      };
      const nextOrder: StoredRecord = {
        ...order,
        ledger: applied.ledger,
        standing: standing(applied.ledger),
        version: order.version + 1,
        updatedAt: at,
        updatedBy: source.actor.id,
      };
      const others = update.map((u) => {
        const next: StoredRecord = {
          ...u.current,
          ...u.fields,
          version: u.current.version + 1,
          updatedAt: at,
          updatedBy: source.actor.id,
        };
        return {
          entity: RECORD_TYPES[u.type],
          previous: u.current,
          record: next,
          audit: auditEntry(
            deps,
            RECORD_TYPES[u.type],
            next,
            'ledger',
            diff(businessFields(u.current), businessFields(next)),
            source,
            u.summary,
          ),
        };
      });
      await deps.store.writeAll([
        {
          entity: docType,
          record: document,
          audit: auditEntry(
            deps,
            docType,
            document,
            'create',
            diff({}, businessFields(document)),
            source,
            create.summary,
          ),
        },
        {
          entity: RECORD_TYPES.order,
          previous: order,
          record: nextOrder,
          audit: auditEntry(
            deps,
            RECORD_TYPES.order,
            nextOrder,
            'ledger',
            diff(businessFields(order), businessFields(nextOrder)),
            source,
            orderSummary,
          ),
        },
        ...others,
      ]);
      return { document, order: nextOrder };
    },
    (error) => error instanceof VersionConflictError || error instanceof TransactionConflictError,
  );
}

/** The invoice's next version after a payment or credit: its balance and status from the ledger. */
export function invoiceBalanceUpdate(
  current: StoredRecord,
  ledger: Ledger,
  summary: (outstanding: number) => string,
): NextVersion[] {
  const balance = ledger.invoices[current.id];
  if (!balance) return [];
  const { credited, paid, refunded, outstanding } = balance;
  return [
    {
      type: 'invoice',
      current,
      fields: { balance: { credited, paid, refunded, outstanding }, status: invoiceStatus(balance) },
      summary: summary(outstanding),
    },
  ];
}

/** Due date: `days` after the day of issue. */
export const dueDateOf = (issuedOn: string, days: number): string =>
  new Date(Date.parse(`${issuedOn}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** An invoice's status from its balance. */
export function invoiceStatus(balance: {
  amount: number;
  credited: number;
  paid: number;
  refunded: number;
  outstanding: number;
}) {
  const owed = balance.amount - balance.credited;
  const netPaid = balance.paid - balance.refunded;
  if (owed <= 0 && netPaid <= 0) return 'credited' as const;
  if (balance.outstanding < 0) return 'overpaid' as const;
  if (balance.outstanding === 0) return 'paid' as const;
  return netPaid > 0 ? ('partly_paid' as const) : ('open' as const);
}

/** Every shipment or invoice (credit notes included) of an order, all pages read. */
export async function documentsOf(deps: RecordDeps, type: 'shipment' | 'invoice', orderId: string) {
  const all: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(RECORD_TYPES[type], {
      filters: [{ field: 'orderId', value: orderId, index: 'byOrder' }],
      limit: 100,
      includeArchived: false,
      ...(cursor ? { cursor } : {}),
    });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
