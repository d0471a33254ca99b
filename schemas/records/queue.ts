import * as z from 'zod';
import { Email, longText, recordId, text } from '../common.ts';

export const QUEUE_STRATEGIES = ['round-robin', 'least-loaded'] as const;

export const QueueInput = z
  .strictObject({
    name: text(100),
    description: longText(1000).optional(),
    memberIds: z
      .array(recordId('usr'))
      .max(500)
      .default([])
      .refine((ids) => new Set(ids).size === ids.length, { error: 'must not list a member twice' }),
    strategy: z.enum(QUEUE_STRATEGIES).default('round-robin'),
    managerId: recordId('usr').optional(),
    email: Email.optional().meta({ description: 'Shared inbox of the team' }),
  })
  .meta({ id: 'QueueInput' });
