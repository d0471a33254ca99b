/**
 * What the order use cases depend on: the records store (orders and their documents are
 * records), a clock and ids. The ERP gateway and the order-to-cash workflow join here as the
 * flow arrives.
 */
import { recordDeps } from '../records/wiring.ts';
import type { OrderDeps } from './ports.ts';

export const orderDeps = (): OrderDeps => recordDeps();
