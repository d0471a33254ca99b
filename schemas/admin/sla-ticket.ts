/**
 * What a ticket carries about its SLA: server-owned, kept by the ticket's writes and by the
 * ticket-sla workflow, never set by clients. The ticket is the source of truth the workflow
 * re-reads each time it wakes.
 */
import * as z from 'zod';
import { IsoDateTime } from '../common.ts';

export const SLA_CLOCKS = ['firstResponse', 'resolution'] as const;
export type SlaClockName = (typeof SLA_CLOCKS)[number];

export const ESCALATION_AUDIENCES = ['agent', 'team-lead', 'manager'] as const;
export type EscalationAudience = (typeof ESCALATION_AUDIENCES)[number];

export const SlaClock = z.object({
  targetMinutes: z.number().meta({ description: 'The target in business minutes, for the current priority' }),
  state: z.enum(['running', 'paused', 'stopped']),
  usedMinutes: z.number().meta({ description: 'Business minutes counted before `since`' }),
  since: IsoDateTime.meta({ description: 'When the clock entered its current state' }),
  dueAt: IsoDateTime.optional().meta({ description: 'The deadline, while the clock runs' }),
  stoppedAt: IsoDateTime.optional(),
  breachedAt: IsoDateTime.optional().meta({ description: 'The deadline that passed with the clock running' }),
});
export type SlaClock = z.infer<typeof SlaClock>;

export const SlaDelivery = z.object({
  channel: z.enum(['email', 'sms']),
  /** A user id, or `queue:{id}` for a queue's shared inbox. */
  to: z.string().optional(),
  outcome: z.enum(['sent', 'skipped']),
  reason: z.string().optional(),
});
export type SlaDelivery = z.infer<typeof SlaDelivery>;

export const SentEscalation = z.object({
  /** `{clock}:{atPercent}:{notify}`: each level fires once per clock in a ticket's life. */
  key: z.string(),
  clock: z.enum(SLA_CLOCKS),
  atPercent: z.int(),
  notify: z.enum(ESCALATION_AUDIENCES),
  dueAt: IsoDateTime,
  sentAt: IsoDateTime,
  deliveries: z.array(SlaDelivery),
});
export type SentEscalation = z.infer<typeof SentEscalation>;

export const SlaBreach = z.object({
  clock: z.enum(SLA_CLOCKS),
  dueAt: IsoDateTime,
  recordedAt: IsoDateTime,
  priority: z.string(),
});
export type SlaBreach = z.infer<typeof SlaBreach>;

export const TicketSla = z
  .object({
    policy: z.object({ id: z.string(), version: z.int(), name: z.string() }),
    priority: z.string(),
    tier: z.string(),
    /** Bumped whenever the schedule changes; a workflow of an older generation retires. */
    generation: z.int(),
    status: z.string().meta({ description: 'The ticket status the clocks were last set for' }),
    statusSince: IsoDateTime,
    firstResponse: SlaClock,
    resolution: SlaClock,
    escalations: z.array(SentEscalation),
    breaches: z.array(SlaBreach),
    autoCloseAt: IsoDateTime.optional(),
    autoCloseReason: z.enum(['resolved', 'customer-silent']).optional(),
    closedAutomaticallyAt: IsoDateTime.optional(),
    survey: z
      .object({
        state: z.enum(['owed', 'sent', 'skipped']),
        sentAt: IsoDateTime.optional(),
        validUntil: IsoDateTime.optional(),
        reason: z.string().optional(),
      })
      .optional()
      .meta({ description: 'The satisfaction survey a ticket closed automatically owes its customer' }),
  })
  .meta({ id: 'TicketSla' });
export type TicketSla = z.infer<typeof TicketSla>;
