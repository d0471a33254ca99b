import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { flowDeps } from './messaging.wiring.ts';
import { handleTimeout } from './use-cases/handle-timeout.use-case.ts';

const TimeoutInput = z.object({
  approvalId: z.string().min(1),
  stepIndex: z.int().min(0),
  round: z.int().min(0),
});

export const handler = taskHandler(TimeoutInput, (input) => handleTimeout(flowDeps(), input), {
  correlationId: (input) => input.approvalId,
});
