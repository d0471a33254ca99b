import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { flowDeps } from './messaging.wiring.ts';
import { requestDecisions } from './use-cases/request-decisions.use-case.ts';

const RequestDecisionsInput = z.object({
  approvalId: z.string().min(1),
  stepIndex: z.int().min(0),
  round: z.int().min(0),
  taskToken: z.string().min(1),
});

export const handler = taskHandler(RequestDecisionsInput, (input) => requestDecisions(flowDeps(), input), {
  correlationId: (input) => input.approvalId,
});
