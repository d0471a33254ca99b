/**
 * What a committed ticket write sets in motion: breaches counted in metrics (each once, when it
 * is first recorded) and the SLA workflow's next generation started when the schedule changed.
 */
import './support/env.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { firstVersion } from '#functions/records/domain/record-changes';
import type { RecordDeps } from '#functions/records/ports';
import { BREACH_METRIC, ticketLifecycleWith } from '#functions/tickets/use-cases/ticket-lifecycle';
import { metrics } from '#platform/observability';
import type { SlaBreach, TicketSla } from '#schemas/admin/sla-ticket';
import type { StoredRecord } from '#schemas/common';
import { MemoryRecords } from './support/memory-records.ts';

const breach = (clock: SlaBreach['clock']): SlaBreach => ({
  clock,
  dueAt: '2026-12-04T10:00:00.000Z',
  recordedAt: '2026-12-04T10:05:00.000Z',
  priority: 'P1',
});

const ticket = (sla: Partial<TicketSla> | undefined): StoredRecord => ({
  id: 'tkt_01',
  ...firstVersion('2026-12-04T09:00:00.000Z', 'usr_01'),
  ...(sla ? { sla: { generation: 1, breaches: [], ...sla } } : {}),
});

describe('after a ticket write', () => {
  // The lifecycle's after-write reads nothing through the ports: a store with nothing in it.
  const deps: RecordDeps = { store: new MemoryRecords(), now: () => new Date(), newId: (p) => `${p}_01` };
  let counted: string[];
  let started: [string, number][];
  let startFails: boolean;
  const lifecycle = ticketLifecycleWith(
    () => ({
      async start(ticketId, generation) {
        if (startFails) throw new Error('Step Functions is unavailable');
        started.push([ticketId, generation]);
      },
    }),
    () => {
      throw new Error('these tests read no SLA policy');
    },
  );

  beforeEach(() => {
    counted = [];
    started = [];
    startFails = false;
    vi.spyOn(metrics, 'addMetric').mockImplementation((name) => {
      counted.push(name);
      return metrics;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('counts each breach once, when the write that records it commits', async () => {
    const before = ticket({ generation: 2, breaches: [breach('firstResponse')] });
    const after = ticket({ generation: 2, breaches: [breach('firstResponse'), breach('resolution')] });

    await lifecycle.afterWrite(deps, after, before);
    await lifecycle.afterWrite(deps, after, after);

    expect(counted).toEqual([BREACH_METRIC.resolution]);
  });

  it('counts the breaches a new ticket arrives with, and starts its first generation', async () => {
    await lifecycle.afterWrite(
      deps,
      ticket({ generation: 1, breaches: [breach('firstResponse')] }),
      undefined,
    );

    expect(counted).toEqual([BREACH_METRIC.firstResponse]);
    expect(started).toEqual([['tkt_01', 1]]);
  });

  it('starts a workflow only when the schedule’s generation moved', async () => {
    await lifecycle.afterWrite(deps, ticket({ generation: 3 }), ticket({ generation: 3 }));
    await lifecycle.afterWrite(deps, ticket({ generation: 4 }), ticket({ generation: 3 }));

    expect(started).toEqual([['tkt_01', 4]]);
    expect(counted).toEqual([]);
  });

  it('does nothing for a ticket without an SLA', async () => {
    await lifecycle.afterWrite(deps, ticket(undefined), undefined);

    expect(started).toEqual([]);
    expect(counted).toEqual([]);
  });

  it('keeps the write when the workflow will not start, and counts the failure for an alarm', async () => {
    startFails = true;

    await expect(
      lifecycle.afterWrite(deps, ticket({ generation: 2 }), ticket({ generation: 1 })),
    ).resolves.toBe(undefined);
    expect(counted).toEqual(['SlaWorkflowStartFailed']);
  });
});
