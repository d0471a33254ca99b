/**
 * The record types by name, with what routing and access need: URL collection, id prefix, who
 * may read and write. No schemas here — the route table, which every handler loads, stays
 * light; the schemas live in record-types.ts.
 */
import { ROLES, type Role } from '#schemas/common';

export const RECORD_TYPE_NAMES = [
  'account',
  'contact',
  'lead',
  'user',
  'queue',
  'product',
  'quote',
  'ticket',
  'order',
  'shipment',
  'invoice',
  'payment',
] as const;
export type RecordTypeName = (typeof RECORD_TYPE_NAMES)[number];

export interface RecordTypeEntry {
  name: RecordTypeName;
  label: string;
  collection: string;
  idPrefix: string;
  /** `write` empty: the type has no generic writes; its records are made by its flow's routes. */
  access: { read: readonly Role[]; write: readonly Role[] };
}

const STAFF: readonly Role[] = ['admin', 'manager', 'sales', 'support', 'finance'];
const EVERYONE: readonly Role[] = ROLES;
const ORDER_READERS: readonly Role[] = ['admin', 'manager', 'sales', 'finance', 'integration'];

export const RECORD_CATALOGUE: Record<RecordTypeName, RecordTypeEntry> = {
  account: {
    name: 'account',
    label: 'Account',
    collection: 'accounts',
    idPrefix: 'acc',
    access: { read: EVERYONE, write: ['admin', 'manager', 'sales', 'integration'] },
  },
  contact: {
    name: 'contact',
    label: 'Contact',
    collection: 'contacts',
    idPrefix: 'con',
    access: { read: EVERYONE, write: ['admin', 'manager', 'sales', 'support', 'integration'] },
  },
  lead: {
    name: 'lead',
    label: 'Lead',
    collection: 'leads',
    idPrefix: 'led',
    access: {
      read: ['admin', 'manager', 'sales', 'integration'],
      write: ['admin', 'manager', 'sales', 'integration'],
    },
  },
  user: {
    name: 'user',
    label: 'User',
    collection: 'users',
    idPrefix: 'usr',
    access: { read: [...STAFF, 'integration'], write: ['admin'] },
  },
  queue: {
    name: 'queue',
    label: 'Queue',
    collection: 'queues',
    idPrefix: 'que',
    access: { read: EVERYONE, write: ['admin'] },
  },
  product: {
    name: 'product',
    label: 'Product',
    collection: 'products',
    idPrefix: 'prd',
    access: { read: EVERYONE, write: ['admin', 'integration'] },
  },
  quote: {
    name: 'quote',
    label: 'Quote',
    collection: 'quotes',
    idPrefix: 'quo',
    access: {
      read: ['admin', 'manager', 'sales', 'finance', 'integration'],
      write: ['admin', 'manager', 'sales'],
    },
  },
  ticket: {
    name: 'ticket',
    label: 'Ticket',
    collection: 'tickets',
    idPrefix: 'tkt',
    access: {
      read: ['admin', 'manager', 'support', 'integration'],
      write: ['admin', 'manager', 'support', 'integration'],
    },
  },
  order: {
    name: 'order',
    label: 'Order',
    collection: 'orders',
    idPrefix: 'ord',
    access: { read: ORDER_READERS, write: ['admin', 'finance', 'integration'] },
  },
  // Shipments, invoices and payments change an order's ledger: only the order routes make them.
  shipment: {
    name: 'shipment',
    label: 'Shipment',
    collection: 'shipments',
    idPrefix: 'shp',
    access: { read: ORDER_READERS, write: [] },
  },
  invoice: {
    name: 'invoice',
    label: 'Invoice',
    collection: 'invoices',
    idPrefix: 'inv',
    access: { read: ORDER_READERS, write: [] },
  },
  payment: {
    name: 'payment',
    label: 'Payment',
    collection: 'payments',
    idPrefix: 'pay',
    access: { read: ['admin', 'manager', 'finance', 'integration'], write: [] },
  },
};
