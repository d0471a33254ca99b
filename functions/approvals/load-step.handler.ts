import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { flowDeps } from './flow-deps.ts';
import { loadStep } from './load-step.use-case.ts';

const LoadStepInput = z.object({ approvalId: z.string().min(1), stepIndex: z.int().min(0) });

export const handler = taskHandler(LoadStepInput, (input) => loadStep(flowDeps(), input), {
  correlationId: (input) => input.approvalId,
});
