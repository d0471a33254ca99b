/** Records of a quote's approval run: the run, its steps' requests (links) and decisions. */
import * as z from 'zod';
import { Channel } from './common.ts';

export const DECISIONS = ['approve', 'reject'] as const;
export const Decision = z.enum(DECISIONS);
export type Decision = z.infer<typeof Decision>;

/** One approver's request at one step: what an email or SMS link opens. */
export const ApprovalRequest = z.object({
  /** sha256 of the link id; the id itself exists only in the email and SMS. */
  linkHash: z.string(),
  approvalId: z.string(),
  quoteId: z.string(),
  stepIndex: z.int(),
  stepName: z.string(),
  approverId: z.string(),
  approverName: z.string(),
  onBehalfOf: z.object({ userId: z.string(), name: z.string() }).optional(),
  reason: z.string(),
  /** Rendered into the confirm page; the POST must send it back. */
  nonce: z.string(),
  smsCode: z.string().optional(),
  expiresAt: z.string(),
  status: z.enum(['open', 'decided', 'closed']),
  /** Why a request closed without this approver deciding: the step settled, recalled, expired. */
  closedReason: z.enum(['step-settled', 'recalled', 'expired', 'replaced']).optional(),
  decision: Decision.optional(),
  decidedAt: z.string().optional(),
  createdAt: z.string(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const RecordedDecision = z.object({
  approverId: z.string(),
  approverName: z.string(),
  onBehalfOf: z.object({ userId: z.string(), name: z.string() }).optional(),
  decision: Decision,
  comment: z.string().optional(),
  at: z.string(),
  channel: Channel,
  ip: z.string().optional(),
  userAgent: z.string().optional(),
});
export type RecordedDecision = z.infer<typeof RecordedDecision>;

/** Body of the POST from the confirm page. */
export const DecisionForm = z.strictObject({
  nonce: z.string().min(1).max(100),
  decision: Decision,
  comment: z
    .string()
    .max(2000, { error: 'must be at most 2000 characters' })
    .optional()
    .transform((c) => c?.trim() || undefined),
});

/** What a JSON post of a decision answers. */
export const DecisionReceipt = z
  .object({
    decision: Decision,
    decidedAt: z.string(),
    approver: z.string(),
    onBehalfOf: z.string().optional(),
    quote: z.object({ id: z.string(), name: z.string() }),
    stepOutcome: z
      .enum(['approved', 'rejected'])
      .optional()
      .meta({ description: "The step's outcome, once it has one (this decision may have settled it)" }),
  })
  .meta({ id: 'DecisionReceipt' });
export type DecisionReceipt = z.infer<typeof DecisionReceipt>;
