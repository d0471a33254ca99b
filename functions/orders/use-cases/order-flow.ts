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

/** Notes on an invoice or a payment the ERP document it became, once (its version moves on). */
export async function noteErpRef(
  deps: RecordDeps,
  type: 'invoice' | 'payment',
  id: string,
  erpRef: string,
): Promise<void> {
  await withRetries(
    async () => {
      const current = await deps.store.get(type, id);
      if (!current || current.erpRef === erpRef) return;
      const next: StoredRecord = {
        ...current,
        erpRef,
        version: current.version + 1,
        updatedAt: deps.now().toISOString(),
        updatedBy: FLOW_SOURCE.actor.id,
      };
      await deps.store.replace(
        RECORD_TYPES[type],
        current,
        next,
        auditEntry(
          deps,
          RECORD_TYPES[type],
          next,
          'erp-sync',
          diff(businessFields(current), businessFields(next)),
          FLOW_SOURCE,
          `In the ERP as ${erpRef}`,
        ),
      );
    },
    (error) => error instanceof VersionConflictError || error instanceof TransactionConflictError,
  );
}
