import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { loadStep } from './use-cases/load-step.use-case.ts';
import { settleDeps } from './wiring.ts';

const LoadStepInput = z.object({ approvalId: z.string().min(1), stepIndex: z.int().min(0) });

// Opening a step reads and writes the run alone: no email or SMS client, no sender settings.
export const handler = taskHandler(LoadStepInput, (input) => loadStep(settleDeps(), input), {
  correlationId: (input) => input.approvalId,
});
