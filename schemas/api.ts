/** Shapes of the API's envelopes: problems, pages, the caller. */
import * as z from 'zod';
import { Role } from './common.ts';

export const Problem = z
  .object({
    type: z
      .string()
      .meta({ description: 'URI reference naming the kind of problem, e.g. /problems/validation-failed' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          pointer: z
            .string()
            .meta({ description: 'JSON Pointer to the offending field, e.g. /lines/0/quantity' }),
          detail: z.string(),
          code: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as ?cursor= for the next page; null on the last' }),
    })
    .meta({ id });

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
});

export const Me = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    kind: z.enum(['api-key', 'user']),
    userId: z
      .string()
      .optional()
      .meta({ description: 'The staff user the caller acts as, when it is a person' }),
  })
  .meta({ id: 'Me' });
