/**
 * The kinds of admin documents: configuration admins own as data — validated, versioned, one
 * version active, every version kept — rather than code. Each kind names its content schema,
 * who may read and change it, and the records its content refers to.
 */
import type { z } from 'zod';
import { ApprovalPolicy, type Approver } from '#schemas/admin/approval-policy';
import type { Role } from '#schemas/common';
import type { Reference } from '../records/record-types.ts';

export const ADMIN_KIND_NAMES = ['approval-policy'] as const;
export type AdminKindName = (typeof ADMIN_KIND_NAMES)[number];

export interface AdminKind {
  name: AdminKindName;
  label: string;
  /** URL segment under /v1/admin/. */
  collection: string;
  idPrefix: string;
  content: z.ZodType;
  access: { read: readonly Role[]; write: readonly Role[] };
  /** Records the content names, checked to exist when a version is written. */
  references: (content: Record<string, unknown>) => Reference[];
}

const approverRefs = (approvers: Approver[], path: (string | number)[]): Reference[] =>
  approvers.flatMap((a, i): Reference[] =>
    a.type === 'user'
      ? [{ path: [...path, i, 'userId'], type: 'user', id: a.userId }]
      : a.type === 'queue'
        ? [{ path: [...path, i, 'queueId'], type: 'queue', id: a.queueId }]
        : [],
  );

export const ADMIN_KINDS: Record<AdminKindName, AdminKind> = {
  'approval-policy': {
    name: 'approval-policy',
    label: 'Approval policy',
    collection: 'approval-policies',
    idPrefix: 'apl',
    content: ApprovalPolicy,
    access: { read: ['admin', 'manager', 'sales', 'finance'], write: ['admin'] },
    references: (content) => {
      const policy = content as ApprovalPolicy;
      return [
        { path: ['fallbackApproverId'], type: 'user', id: policy.fallbackApproverId },
        ...policy.steps.flatMap((step, s) => approverRefs(step.approvers, ['steps', s, 'approvers'])),
      ];
    },
  },
};
