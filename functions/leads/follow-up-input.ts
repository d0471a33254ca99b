/** The lead-routing flow's state as its tasks receive it (ports.ts FollowUpState). */
import * as z from 'zod';

export const FollowUpStateInput = z.object({
  leadId: z.string().min(1),
  ownerId: z.string().min(1),
  attempt: z.int().min(0),
  assignedAt: z.iso.datetime({ offset: true }),
  hot: z.boolean(),
  routing: z
    .object({ documentId: z.string().min(1), version: z.int().min(1), ruleIndex: z.int().min(0).nullable() })
    .optional(),
  followUpSeconds: z.int().min(0),
  tried: z.array(z.string()),
  kind: z.enum(['routed', 'reassigned', 'escalated']).optional(),
});
