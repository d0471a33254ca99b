/**
 * Records a shipment of an order, as the ERP or a warehouse reports it.
 * 1. Validate the body; a report repeated with the same ERP reference answers the first shipment.
 * 2. Apply it to the ledger: no line may ship more than was ordered (422 on /lines).
 * 3. Write the shipment, its value and the order's next ledger together.
 */

import type { StoredRecord } from '#schemas/common';
import { ShipmentInput } from '#schemas/records/order';
import { UniqueConflictError } from '#store/errors';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { parseOrThrow } from '../../shared/errors.ts';
import { formatMoney as formatMinor } from '../../shared/html.ts';
import { changeLedger } from './order-ledger.ts';

export interface Recorded {
  record: StoredRecord;
  /** False when the same document was reported before: this is the first one. */
  created: boolean;
}

export async function recordShipment(
  deps: RecordDeps,
  orderId: string,
  body: unknown,
  source: ChangeSource,
): Promise<Recorded> {
  const input = parseOrThrow(ShipmentInput, body);
  const earlier = async () => {
    const id = input.erpRef ? await deps.store.findUnique('shipment', 'erpRef', input.erpRef) : undefined;
    const found = id ? await deps.store.get('shipment', id) : undefined;
    return found && found.orderId === orderId ? found : undefined;
  };
  const first = await earlier();
  if (first) return { record: first, created: false };
  try {
    const { document } = await changeLedger(deps, orderId, source, (order) => ({
      event: { kind: 'shipment', lines: input.lines },
      write: (value) => ({
        create: {
          type: 'shipment',
          fields: {
            ...input,
            orderId,
            accountId: order.accountId,
            shippedAt: input.shippedAt ?? deps.now().toISOString(),
            value,
          },
          summary: `Shipped ${input.lines.reduce((a, l) => a + l.quantity, 0)} units worth ${formatMinor(value, order.currency)}`,
        },
        orderSummary: `Shipment worth ${formatMinor(value, order.currency)} recorded`,
      }),
    }));
    return { record: document, created: true };
  } catch (error) {
    // The same report raced itself: the other one won.
    if (error instanceof UniqueConflictError) {
      const winner = await earlier();
      if (winner) return { record: winner, created: false };
    }
    throw error;
  }
}
