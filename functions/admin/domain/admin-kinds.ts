/**
 * The kinds of admin documents: configuration admins own as data — validated, versioned, one
 * version active, every version kept — rather than code. Each kind names its content schema,
 * who may read and change it, and the records its content refers to.
 */
import type { z } from 'zod';
import { ApprovalPolicy, type Approver } from '#schemas/admin/approval-policy';
import { DunningPolicy } from '#schemas/admin/dunning-policy';
import { LeadForm } from '#schemas/admin/lead-form';
import { LeadRouting } from '#schemas/admin/lead-routing';
import { SlaPolicy } from '#schemas/admin/sla-policy';
import { WebhookSource } from '#schemas/admin/webhook-source';
import type { Reference } from '../../records/domain/record-types.ts';
import { ADMIN_CATALOGUE, type AdminKindEntry, type AdminKindName } from './admin-catalogue.ts';

export { ADMIN_KIND_NAMES, type AdminKindName } from './admin-catalogue.ts';

export interface AdminKind extends AdminKindEntry {
  content: z.ZodType;
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
    ...ADMIN_CATALOGUE['approval-policy'],
    content: ApprovalPolicy,
    references: (content) => {
      const policy = content as ApprovalPolicy;
      return [
        { path: ['fallbackApproverId'], type: 'user', id: policy.fallbackApproverId },
        ...policy.steps.flatMap((step, s) => approverRefs(step.approvers, ['steps', s, 'approvers'])),
      ];
    },
  },
  'sla-policy': {
    ...ADMIN_CATALOGUE['sla-policy'],
    content: SlaPolicy,
    references: (content) =>
      ((content as SlaPolicy).queueIds ?? []).map((id, i) => ({ path: ['queueIds', i], type: 'queue', id })),
  },
  'lead-routing': {
    ...ADMIN_CATALOGUE['lead-routing'],
    content: LeadRouting,
    references: (content) => {
      const routing = content as LeadRouting;
      return [
        { path: ['fallbackQueueId'], type: 'queue', id: routing.fallbackQueueId },
        ...routing.rules.flatMap((rule, i): Reference[] =>
          rule.assignTo.type === 'user'
            ? [{ path: ['rules', i, 'assignTo', 'userId'], type: 'user', id: rule.assignTo.userId }]
            : rule.assignTo.type === 'queue'
              ? [{ path: ['rules', i, 'assignTo', 'queueId'], type: 'queue', id: rule.assignTo.queueId }]
              : [],
        ),
      ];
    },
  },
  'lead-form': { ...ADMIN_CATALOGUE['lead-form'], content: LeadForm, references: () => [] },
  'dunning-policy': {
    ...ADMIN_CATALOGUE['dunning-policy'],
    content: DunningPolicy,
    references: (content) =>
      (content as DunningPolicy).levels.flatMap((level, i): Reference[] =>
        level.assignTo?.type === 'user'
          ? [{ path: ['levels', i, 'assignTo', 'userId'], type: 'user', id: level.assignTo.userId }]
          : [],
      ),
  },
  'webhook-source': { ...ADMIN_CATALOGUE['webhook-source'], content: WebhookSource, references: () => [] },
};
