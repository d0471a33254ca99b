/**
 * Dead letters as the admin API shows them (functions/executions/use-cases/dead-letters.use-case.ts):
 * an execution that stopped for good, what it was doing, and what was done about it.
 */
import * as z from 'zod';
import { PageQuery } from './api.ts';
import { Actor } from './audit.ts';
import { IsoDateTime, text } from './common.ts';
import { WORKFLOW_NAME } from './execution.ts';

export const DEAD_LETTER_STATUSES = ['open', 'replayed', 'discarded'] as const;

export const DeadLetterListQuery = PageQuery.extend({
  status: z.enum(DEAD_LETTER_STATUSES).optional(),
  workflow: z.string().regex(WORKFLOW_NAME, { error: 'not a workflow name' }).optional(),
}).meta({ id: 'DeadLetterListQuery' });

export const DeadLetterView = z
  .object({
    id: z.string().meta({ description: 'The failed execution’s id, as GET /v1/executions/{id} takes it' }),
    workflow: z.string(),
    record: z.object({ type: z.string(), id: z.string() }).optional(),
    error: z.string(),
    cause: z.string().optional(),
    failedAt: IsoDateTime,
    status: z.enum(DEAD_LETTER_STATUSES),
    state: z.record(z.string(), z.unknown()).meta({ description: 'What a replay starts from' }),
    replays: z.array(
      z.object({
        at: IsoDateTime,
        by: Actor,
        execution: z.string().meta({ description: 'The id of the execution the replay started' }),
      }),
    ),
    discarded: z.object({ at: IsoDateTime, by: Actor, reason: z.string() }).optional(),
  })
  .meta({ id: 'DeadLetter' });

export const DiscardDeadLetterInput = z
  .strictObject({ reason: text(500) })
  .meta({ id: 'DiscardDeadLetterInput' });
export type DeadLetterView = z.infer<typeof DeadLetterView>;
