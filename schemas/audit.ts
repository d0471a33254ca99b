import * as z from 'zod';
import { Channel, IsoDateTime, Role } from './common.ts';

export const Actor = z
  .object({
    id: z.string().meta({ description: 'User id, API key id, or a workflow name' }),
    name: z.string(),
    role: Role.optional(),
    kind: z.enum(['user', 'api-key', 'workflow', 'system']),
    onBehalfOf: z.string().optional().meta({ description: 'Whom the actor stood in for (delegation)' }),
  })
  .meta({ id: 'Actor' });
export type Actor = z.infer<typeof Actor>;

export const FieldChange = z
  .object({
    field: z.string().meta({ description: 'JSON Pointer of the changed field, e.g. /lines/0/quantity' }),
    from: z.unknown().optional(),
    to: z.unknown().optional(),
  })
  .meta({ id: 'FieldChange' });
export type FieldChange = z.infer<typeof FieldChange>;

/** One line of a record's history: a change, or an event about it (a request sent, a reminder…). */
export const AuditEntry = z
  .object({
    id: z.string(),
    recordType: z.string(),
    recordId: z.string(),
    version: z.int().meta({ description: 'The record version after this entry' }),
    action: z.string().meta({ description: 'create, update, archive, restore, or a workflow event' }),
    at: IsoDateTime,
    actor: Actor,
    channel: Channel,
    changes: z.array(FieldChange),
    summary: z.string().optional().meta({ description: 'One readable sentence about what happened' }),
    context: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Client IP, user agent, correlation id…' }),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;
