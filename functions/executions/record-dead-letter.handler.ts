import * as z from 'zod';
import { taskHandler } from '../shared/workflow-task.ts';
import { recordDeadLetter } from './use-cases/dead-letters.use-case.ts';
import { deadLetterDeps } from './wiring.ts';

/** A flow's last Catch: `{workflow, execution.$: $$.Execution.Name, record?, state.$: $}`. */
const Input = z.object({
  workflow: z.string().min(1),
  execution: z.string().min(1),
  record: z.object({ type: z.string().min(1), id: z.string().min(1) }).optional(),
  state: z.record(z.string(), z.unknown()),
});

export const handler = taskHandler(
  Input,
  // The Catch's error rides in the state as `error: {Error, Cause}`.
  (input) => recordDeadLetter(deadLetterDeps(), input),
  { correlationId: (input) => input.execution },
);
