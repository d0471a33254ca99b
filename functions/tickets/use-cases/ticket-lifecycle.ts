/**
 * What every ticket write does for the SLA, whether it comes through the records API (create,
 * PATCH), a reply, or the SLA workflow itself:
 *   - a new ticket gets the policy that covers it (if any) and its clocks start;
 *   - a change moves the clocks: paused while waiting on the customer, stopped at the first
 *     agent reply and at resolution, deadlines recomputed when the priority changes;
 *   - when what is due next changed, a new generation of the ticket-sla workflow starts watching
 *     it; the one before retires the next time it wakes (it finds a newer generation).
 * The deadlines are on the ticket the moment the write answers; the workflow re-reads them.
 */

import { logger, metrics } from '#platform/observability';
import type { TicketSla } from '#schemas/admin/sla-ticket';
import type { StoredRecord } from '#schemas/common';
import type { DocumentDeps } from '../../admin/ports.ts';
import type { RecordDeps, RecordLifecycle } from '../../records/ports.ts';
import { advanceSla } from '../domain/sla-clock.ts';
import type { SlaWorkflow } from '../ports.ts';
import { activeSlaPolicies, choosePolicy, policyVersion, tierOf } from './sla-policies.ts';

/** Server fields a ticket keeps from version to version unless a change sets them. */
const CARRIED = ['firstRespondedAt', 'lastReplyAt', 'lastReplyBy', 'satisfaction'] as const;

const carried = (next: StoredRecord, current: StoredRecord | undefined) =>
  Object.fromEntries(
    CARRIED.flatMap((field) => {
      const value = next[field] ?? current?.[field];
      return value === undefined ? [] : [[field, value]];
    }),
  );

export const BREACH_METRIC = {
  firstResponse: 'SlaFirstResponseBreached',
  resolution: 'SlaResolutionBreached',
};

/**
 * The lifecycle, given the workflow it starts and where it reads SLA policies when the write's
 * own deps carry no document versions (tests pass their own).
 */
export function ticketLifecycleWith(
  workflow: () => SlaWorkflow | undefined,
  policies: () => DocumentDeps,
): RecordLifecycle {
  return {
    async prepare(deps: RecordDeps, next: StoredRecord, current: StoredRecord | undefined) {
      const kept = carried(next, current);
      const previous = (next.sla ?? current?.sla) as TicketSla | undefined;
      const documents = 'versions' in deps ? (deps as DocumentDeps) : { ...policies(), ...deps };
      let policy: Awaited<ReturnType<typeof policyVersion>>;
      let ref: TicketSla['policy'];
      if (previous) {
        ref = previous.policy;
        policy = await policyVersion(documents, ref);
      } else if (!current) {
        const chosen = choosePolicy(
          await activeSlaPolicies(documents),
          typeof next.queueId === 'string' ? next.queueId : undefined,
        );
        if (!chosen) return kept;
        ref = chosen.ref;
        policy = chosen.content;
      } else {
        // Created while no policy covered it: it stays without an SLA.
        return kept;
      }
      const { sla } = advanceSla({
        previous,
        ticket: {
          status: String(next.status),
          priority: String(next.priority),
          firstRespondedAt: kept.firstRespondedAt as string | undefined,
        },
        policy,
        policyRef: ref,
        tier: await tierOf(deps, next.accountId),
        // The change's own time, so a new ticket's clocks start exactly at its createdAt.
        now: typeof next.updatedAt === 'string' ? new Date(next.updatedAt) : deps.now(),
      });
      return { ...kept, sla };
    },

    async afterWrite(_deps: RecordDeps, record: StoredRecord, previous: StoredRecord | undefined) {
      const sla = record.sla as TicketSla | undefined;
      if (!sla) return;
      const before = previous?.sla as TicketSla | undefined;
      for (const breach of sla.breaches.slice(before?.breaches.length ?? 0))
        metrics.addMetric(BREACH_METRIC[breach.clock], 'Count', 1);
      if (before && before.generation === sla.generation) return;
      try {
        await workflow()?.start(record.id, sla.generation);
      } catch (error) {
        // The write stands and the ticket shows its deadlines; the next change to the ticket
        // starts a new generation. Counted so an alarm can catch a workflow that will not start.
        metrics.addMetric('SlaWorkflowStartFailed', 'Count', 1);
        logger.error('the ticket SLA workflow did not start', { ticketId: record.id, error });
      }
    },
  };
}
