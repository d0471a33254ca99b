/**
 * The kinds of admin documents by name, with what routing and access need. No schemas here:
 * the route table, which every handler loads, stays light; the content schemas live in
 * admin-kinds.ts.
 */
import type { Role } from '#schemas/common';

export const ADMIN_KIND_NAMES = [
  'approval-policy',
  'sla-policy',
  'lead-routing',
  'lead-form',
  'dunning-policy',
  'webhook-source',
] as const;
export type AdminKindName = (typeof ADMIN_KIND_NAMES)[number];

export interface AdminKindEntry {
  name: AdminKindName;
  label: string;
  /** URL segment under /v1/admin/. */
  collection: string;
  idPrefix: string;
  access: { read: readonly Role[]; write: readonly Role[] };
}

export const ADMIN_CATALOGUE: Record<AdminKindName, AdminKindEntry> = {
  'approval-policy': {
    name: 'approval-policy',
    label: 'Approval policy',
    collection: 'approval-policies',
    idPrefix: 'apl',
    access: { read: ['admin', 'manager', 'sales', 'finance'], write: ['admin'] },
  },
  'sla-policy': {
    name: 'sla-policy',
    label: 'SLA policy',
    collection: 'sla-policies',
    idPrefix: 'slp',
    access: { read: ['admin', 'manager', 'support'], write: ['admin'] },
  },
  'lead-routing': {
    name: 'lead-routing',
    label: 'Lead routing',
    collection: 'lead-routing',
    idPrefix: 'lrt',
    access: { read: ['admin', 'manager', 'sales'], write: ['admin'] },
  },
  'lead-form': {
    name: 'lead-form',
    label: 'Lead form',
    collection: 'lead-forms',
    idPrefix: 'lfm',
    access: { read: ['admin', 'manager', 'sales'], write: ['admin'] },
  },
  'dunning-policy': {
    name: 'dunning-policy',
    label: 'Dunning policy',
    collection: 'dunning-policies',
    idPrefix: 'dun',
    access: { read: ['admin', 'manager', 'finance'], write: ['admin', 'finance'] },
  },
  'webhook-source': {
    name: 'webhook-source',
    label: 'Webhook source',
    collection: 'webhook-sources',
    idPrefix: 'whs',
    access: { read: ['admin', 'integration'], write: ['admin'] },
  },
};
