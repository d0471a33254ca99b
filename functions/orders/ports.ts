/**
 * What the order use cases need from the world. Orders, shipments, invoices and payments are
 * records, written together through the record port's writeAll; ./wiring.ts builds it.
 */
import type { RecordDeps } from '../records/ports.ts';

export type OrderDeps = RecordDeps;
