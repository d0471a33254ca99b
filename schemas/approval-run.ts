/**
 * A quote's approval run as clients see it (GET /v1/quotes/{id}/approval, and the answers to
 * submit and recall): the policy version it follows, each step with whom it asks and why, each
 * request's state and each decision. Never the secrets that stand behind it: link ids and their
 * hashes, page nonces, SMS reply codes and task tokens stay on the server.
 */
import * as z from 'zod';
import { Channel } from './common.ts';

const Person = z.object({ userId: z.string(), name: z.string() });

export const RUN_STATUSES = ['pending', 'approved', 'rejected', 'recalled', 'expired', 'failed'] as const;
export const STEP_STATUSES = ['waiting', 'open', 'approved', 'rejected', 'skipped', 'expired'] as const;

export const ApprovalRequestView = z
  .object({
    approverId: z.string(),
    approverName: z.string(),
    onBehalfOf: Person.optional().meta({ description: 'Whom a delegate stands in for' }),
    reason: z.string().meta({ description: 'Why this person is asked' }),
    status: z.enum(['open', 'decided', 'closed']),
    closedReason: z
      .enum(['step-settled', 'recalled', 'expired', 'replaced'])
      .optional()
      .meta({ description: 'replaced: a reminder, a renewed link or an escalation took its place' }),
    decision: z.enum(['approve', 'reject']).optional(),
    decidedAt: z.string().optional(),
    createdAt: z.string(),
    expiresAt: z.string(),
    channels: z.array(z.enum(['email', 'sms'])).meta({ description: 'How the request reached the approver' }),
  })
  .meta({ id: 'ApprovalRequestView' });

export const ApprovalDecisionView = z
  .object({
    approverId: z.string(),
    approverName: z.string(),
    onBehalfOf: Person.optional(),
    decision: z.enum(['approve', 'reject']),
    comment: z.string().optional(),
    at: z.string(),
    channel: Channel,
  })
  .meta({ id: 'ApprovalDecisionView' });

export const ApprovalStepView = z
  .object({
    index: z.int(),
    name: z.string(),
    status: z.enum(STEP_STATUSES),
    applies: z.boolean(),
    why: z.array(z.string()).meta({ description: 'Why the quote enters (or skips) the step' }),
    mode: z.enum(['any', 'all', 'quorum']),
    required: z.int().meta({ description: 'Approvals that settle the step' }),
    timeout: z
      .object({
        afterHours: z.number(),
        action: z.string(),
        maxReminders: z.int(),
        reminderEveryHours: z.number().optional(),
      })
      .optional(),
    approvers: z
      .array(Person.extend({ reason: z.string(), onBehalfOf: Person.optional() }))
      .meta({ description: 'Whom the step asks, as planned at submit' }),
    unresolved: z
      .array(z.string())
      .meta({ description: 'Approvers that could not be asked, and why (the fallback was asked)' }),
    openedAt: z.string().optional(),
    settledAt: z.string().optional(),
    reminders: z.int(),
    escalations: z.int(),
    requests: z.array(ApprovalRequestView),
    decisions: z.array(ApprovalDecisionView),
  })
  .meta({ id: 'ApprovalStepView' });

export const ApprovalRunView = z
  .object({
    id: z.string(),
    quoteId: z.string(),
    status: z.enum(RUN_STATUSES),
    policy: z
      .object({ id: z.string(), version: z.int(), name: z.string() })
      .nullable()
      .meta({ description: 'The policy version the run follows; null when none applied' }),
    policyWhy: z.array(z.string()),
    facts: z.record(z.string(), z.unknown()).optional().meta({
      description:
        'The facts the policy read at submit, as they were then (absent on runs from before facts were kept)',
    }),
    submittedBy: Person,
    submittedAt: z.string(),
    finishedAt: z.string().optional(),
    finishReason: z.string().optional(),
    currentStep: z.int().nullable().meta({ description: 'The open step, if one is open' }),
    steps: z.array(ApprovalStepView),
  })
  .meta({ id: 'ApprovalRun' });
export type ApprovalRunView = z.infer<typeof ApprovalRunView>;
