import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { flowDeps } from './messaging.wiring.ts';
import { finishApproval } from './use-cases/finish-approval.use-case.ts';

/** The state as the workflow reaches Finish; only these fields matter here. */
const FinishInput = z.object({
  approvalId: z.string().min(1),
  outcome: z.enum(['approved', 'rejected', 'failed']).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export const handler = taskHandler(FinishInput, (input) => finishApproval(flowDeps(), input), {
  correlationId: (input) => input.approvalId,
});
