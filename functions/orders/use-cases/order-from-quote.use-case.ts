/**
 * Makes the order of an approved quote: the customer accepted it.
 * 1. The quote must be approved (409 otherwise: a draft, pending, rejected or expired quote is
 *    no deal). One order per quote: asking again answers the order made the first time.
 * 2. The order takes the quote's priced lines and totals as they are, frozen; each line's share
 *    of the total is fixed and the ledger opens over those shares.
 * 3. The order and the quote, now accepted (so it can no longer change), are written together.
 * 4. The order's order-to-cash flow starts — also when the order was made before, so an order
 *    whose first request stopped between its write and the start is never left without its flow.
 */
import type { StoredRecord } from '#schemas/common';
import type { PricedQuoteLine, QuoteTotals } from '#schemas/records/quote';
import { TransactionConflictError, UniqueConflictError, VersionConflictError } from '#store/errors';
import { diff, firstVersion } from '../../records/domain/record-changes.ts';
import { orderServerFields, RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { assertMayWrite } from '../../records/use-cases/ownership.ts';
import {
  auditEntry,
  businessFields,
  loadRecord,
  withRetries,
} from '../../records/use-cases/record-service.ts';
import { conflict } from '../../shared/errors.ts';
import { formatMoney } from '../../shared/html.ts';
import type { OrderDeps } from '../ports.ts';
import type { Recorded } from './record-shipment.use-case.ts';

/** Terms of a new order the quote does not carry. */
const DEFAULT_TERMS = { invoicing: 'per_shipment', paymentTermsDays: 30 } as const;

export async function orderFromQuote(
  deps: OrderDeps,
  quoteId: string,
  source: ChangeSource,
): Promise<Recorded> {
  const recorded = await makeOrder(deps, quoteId, source);
  await deps.flow?.start(recorded.record.id);
  return recorded;
}

async function makeOrder(deps: RecordDeps, quoteId: string, source: ChangeSource): Promise<Recorded> {
  const existing = async () => {
    const id = await deps.store.findUnique('order', 'quoteId', quoteId);
    return id ? deps.store.get('order', id) : undefined;
  };
  return withRetries(
    async () => {
      const quote = await loadRecord(deps, RECORD_TYPES.quote, quoteId);
      // Who may change the quote may turn it into an order: its owner, their managers, admins.
      await assertMayWrite(deps.store, source.writer, RECORD_TYPES.quote, { current: quote }, 'order');
      const first = await existing();
      if (first) return { record: first, created: false };
      if (quote.status !== 'approved')
        throw conflict(
          'quote-not-approved',
          'Quote not approved',
          `Quote ${quoteId} is ${String(quote.status)}; only an approved quote becomes an order.`,
          { quoteStatus: quote.status },
        );
      const at = deps.now().toISOString();
      const currency = String(quote.currency);
      const totals = quote.totals as QuoteTotals;
      const order: StoredRecord = {
        accountId: quote.accountId,
        ...(quote.contactId ? { contactId: quote.contactId } : {}),
        ...(quote.ownerId ? { ownerId: quote.ownerId } : {}),
        currency,
        discountPercent: quote.discountPercent,
        taxRatePercent: quote.taxRatePercent,
        ...DEFAULT_TERMS,
        quoteId,
        status: 'pending',
        ...orderServerFields(currency, quote.lines as PricedQuoteLine[], totals),
        id: deps.newId(RECORD_TYPES.order.idPrefix),
        ...firstVersion(at, source.actor.id),
      };
      const accepted: StoredRecord = {
        ...quote,
        status: 'accepted',
        orderId: order.id,
        version: quote.version + 1,
        updatedAt: at,
        updatedBy: source.actor.id,
      };
      await deps.store.writeAll([
        {
          entity: RECORD_TYPES.order,
          record: order,
          audit: auditEntry(
            deps,
            RECORD_TYPES.order,
            order,
            'create',
            diff({}, businessFields(order)),
            source,
            `Order of quote ${quoteId} for ${formatMoney(totals.total, currency)}`,
          ),
        },
        {
          entity: RECORD_TYPES.quote,
          previous: quote,
          record: accepted,
          audit: auditEntry(
            deps,
            RECORD_TYPES.quote,
            accepted,
            'accept',
            diff(businessFields(quote), businessFields(accepted)),
            source,
            `Accepted: order ${order.id}`,
          ),
        },
      ]);
      return { record: order, created: true };
    },
    // A racing request made the order (its claim on the quote id) or changed the quote: look again.
    (error) =>
      error instanceof UniqueConflictError ||
      error instanceof VersionConflictError ||
      error instanceof TransactionConflictError,
  );
}
