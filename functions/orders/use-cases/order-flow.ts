/**
 * Shared by the order-to-cash tasks: who their changes are by, and how a task moves an order to
 * its next state (a version-conditioned write with its audit entry, retried on a lost race).
 */
import type { StoredRecord } from '#schemas/common';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { diff } from '../../records/domain/record-changes.ts';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { auditEntry, businessFields, withRetries } from '../../records/use-cases/record-service.ts';
import { loadOrder, type OrderRecord } from './order-ledger.ts';

export const FLOW_SOURCE: ChangeSource = {
  actor: { id: 'order-to-cash', name: 'Order-to-cash', kind: 'workflow' },
  channel: 'workflow',
};

/** Writes `change(order)` onto the order unless it answers undefined (nothing to change); by the flow unless said. */
export async function moveOrder(
  deps: RecordDeps,
  orderId: string,
  change: (
    order: OrderRecord,
  ) => { fields: Record<string, unknown>; action: string; summary: string } | undefined,
  source: ChangeSource = FLOW_SOURCE,
): Promise<OrderRecord> {
  return withRetries(
    async () => {
      const order = await loadOrder(deps, orderId);
      const next = change(order);
      if (!next) return order;
      const record: StoredRecord = {
        ...order,
        ...next.fields,
        version: order.version + 1,
        updatedAt: deps.now().toISOString(),
        updatedBy: source.actor.id,
      };
      await deps.store.replace(
        RECORD_TYPES.order,
        order,
        record,
        auditEntry(
          deps,
          RECORD_TYPES.order,
          record,
          next.action,
          diff(businessFields(order), businessFields(record)),
          source,
          next.summary,
        ),
      );
      return record as OrderRecord;
    },
    (error) => error instanceof VersionConflictError || error instanceof TransactionConflictError,
  );
}

/**
 * Writes `change(document)` onto an invoice or a payment unless it answers undefined (nothing to
 * change), version-conditioned with its audit entry, retried on a lost race; by the flow unless said.
 */
export async function moveDocument(
  deps: RecordDeps,
  type: 'invoice' | 'payment',
  id: string,
  change: (
    current: StoredRecord,
  ) => { fields: Record<string, unknown>; action: string; summary: string } | undefined,
  source: ChangeSource = FLOW_SOURCE,
): Promise<StoredRecord | undefined> {
  return withRetries(
    async () => {
      const current = await deps.store.get(type, id);
      const next = current ? change(current) : undefined;
      if (!current || !next) return current;
      const record: StoredRecord = {
        ...current,
        ...next.fields,
        version: current.version + 1,
        updatedAt: deps.now().toISOString(),
        updatedBy: source.actor.id,
      };
      await deps.store.replace(
        RECORD_TYPES[type],
        current,
        record,
        auditEntry(
          deps,
          RECORD_TYPES[type],
          record,
          next.action,
          diff(businessFields(current), businessFields(record)),
          source,
          next.summary,
        ),
      );
      return record;
    },
    (error) => error instanceof VersionConflictError || error instanceof TransactionConflictError,
  );
}

/** Notes on an invoice or a payment the ERP document it became, once (its version moves on). */
export async function noteErpRef(
  deps: RecordDeps,
  type: 'invoice' | 'payment',
  id: string,
  erpRef: string,
): Promise<void> {
  await moveDocument(deps, type, id, (current) =>
    current.erpRef === erpRef
      ? undefined
      : { fields: { erpRef }, action: 'erp-sync', summary: `In the ERP as ${erpRef}` },
  );
}
