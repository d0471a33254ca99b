/**
 * Building an execution timeline from its history, for histories up to Step Functions' limit of
 * 25,000 events: time to build (median of several runs), heap used while building, and the size
 * of the JSON answer. Targets: ≤ 500 ms at 25,000 events and an answer well under Lambda's
 * 6 MB response limit (payloads are capped at 2 MiB in total; the rest is structure).
 *
 * The histories repeat a realistic pattern — a Task that fails once and is retried, a Wait, and a
 * callback task, each with a 1 KB input and output — or, the worst case for the answer's size,
 * nothing but Pass states.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { buildTimeline } from '#functions/executions/domain/timeline';
import { fmt, table } from './support/stats.ts';

const RUNS = 5;
const PAYLOAD = JSON.stringify({ quoteId: 'quo_01JD0000000000000000000001', note: 'x'.repeat(1000) });

function history(events: number, shape: 'tasks' | 'passes' = 'tasks'): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  let clock = Date.parse('2025-03-01T09:00:00.000Z');
  const add = (
    type: string,
    key: string | undefined,
    details: Record<string, unknown> = {},
    prev?: number,
  ) => {
    clock += 50;
    const id = out.length + 1;
    out.push({
      id,
      previousEventId: prev ?? id - 1,
      timestamp: new Date(clock),
      type,
      ...(key ? { [key]: details } : {}),
    } as HistoryEvent);
    return id;
  };
  add('ExecutionStarted', 'executionStartedEventDetails', { input: PAYLOAD });
  let n = 0;
  while (out.length < events - 20) {
    n++;
    if (shape === 'passes') {
      add('PassStateEntered', 'stateEnteredEventDetails', { name: `Step ${n}`, input: PAYLOAD });
      add('PassStateExited', 'stateExitedEventDetails', { name: `Step ${n}`, output: PAYLOAD });
      continue;
    }
    const task = `Call ERP ${n}`;
    add('TaskStateEntered', 'stateEnteredEventDetails', { name: task, input: PAYLOAD });
    add('TaskScheduled', 'taskScheduledEventDetails', {
      resourceType: 'lambda',
      resource: 'invoke',
      parameters: PAYLOAD,
    });
    add('TaskStarted', 'taskStartedEventDetails', { resourceType: 'lambda', resource: 'invoke' });
    add('TaskFailed', 'taskFailedEventDetails', { error: 'ErpBusy', cause: 'try later' });
    add('TaskScheduled', 'taskScheduledEventDetails', {
      resourceType: 'lambda',
      resource: 'invoke',
      parameters: PAYLOAD,
    });
    add('TaskStarted', 'taskStartedEventDetails', { resourceType: 'lambda', resource: 'invoke' });
    add('TaskSucceeded', 'taskSucceededEventDetails', { output: PAYLOAD });
    add('TaskStateExited', 'stateExitedEventDetails', { name: task, output: PAYLOAD });
    add('WaitStateEntered', 'stateEnteredEventDetails', { name: `Cool Off ${n}`, input: PAYLOAD });
    add('WaitStateExited', 'stateExitedEventDetails', { name: `Cool Off ${n}`, output: PAYLOAD });
    const ask = `Ask ${n}`;
    const callback = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
    add('TaskStateEntered', 'stateEnteredEventDetails', { name: ask, input: PAYLOAD });
    add('TaskScheduled', 'taskScheduledEventDetails', {
      ...callback,
      parameters: JSON.stringify({ Payload: { taskToken: `token-${n}-${'t'.repeat(200)}` } }),
    });
    add('TaskStarted', 'taskStartedEventDetails', callback);
    add('TaskSubmitted', 'taskSubmittedEventDetails', { ...callback, output: '{}' });
    add('TaskSucceeded', 'taskSucceededEventDetails', { ...callback, output: PAYLOAD });
    add('TaskStateExited', 'stateExitedEventDetails', { name: ask, output: PAYLOAD });
  }
  add('ExecutionSucceeded', 'executionSucceededEventDetails', { output: PAYLOAD });
  return out;
}

export async function executionTimelineBench(): Promise<string> {
  const rows: (string | number)[][] = [
    ['events', 'shape', 'states', 'build ms (median)', 'heap MB', 'answer KB'],
  ];
  const cases: [number, 'tasks' | 'passes'][] = [
    [100, 'tasks'],
    [1_000, 'tasks'],
    [10_000, 'tasks'],
    [25_000, 'tasks'],
    // The most states a history can hold: every state a Pass, two events each.
    [25_000, 'passes'],
  ];
  for (const [size, shape] of cases) {
    const events = history(size, shape);
    const times: number[] = [];
    let heap = 0;
    let bytes = 0;
    let states = 0;
    for (let run = 0; run < RUNS; run++) {
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const timeline = buildTimeline({ events, status: 'SUCCEEDED' });
      times.push(performance.now() - t0);
      heap = Math.max(heap, process.memoryUsage().heapUsed - before);
      const text = JSON.stringify(timeline);
      bytes = Buffer.byteLength(text);
      states = timeline.states.length;
    }
    times.sort((a, b) => a - b);
    rows.push([
      events.length,
      shape,
      states,
      fmt(times[Math.floor(RUNS / 2)] ?? Number.NaN),
      fmt(heap / 2 ** 20),
      fmt(bytes / 1024, 0),
    ]);
  }
  return `Execution timeline (target ≤ 500 ms at 25,000 events; answer well under 6 MB)\n${table(rows)}`;
}
