/**
 * workflows/ticket-sla.asl.json, path by path, on the local Step Functions service with a
 * scripted stand-in for its one function: what the check is called with, how its answer loops
 * through the Wait or finishes, how retries and failures route. The check's own behaviour is
 * tested with fakes (test/unit/check-sla.use-case.test.ts) and against the real stand-ins
 * (test/integration/ticket-sla.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FunctionResolver, localFunctionArn, startStepFunctionsLocal } from '#local/stepfunctions/index';
import { WORKFLOWS } from '#workflows/registry.ts';
import { finished, history, output, sfnClient } from './support.ts';

type Json = Record<string, unknown>;
type Script = (payload: Json, call: number) => Promise<unknown>;

const scripts = new Map<string, Script>();
const calls = new Map<string, Json[]>();

const resolver: FunctionResolver = (arn) => {
  if (arn !== localFunctionArn('tickets/check-sla')) return undefined;
  return async (payload) => {
    const event = payload as Json;
    const id = String(event.ticketId);
    const seen = calls.get(id) ?? [];
    seen.push(event);
    calls.set(id, seen);
    const script = scripts.get(id);
    if (!script) throw new Error(`no script for ${id}`);
    return script(event, seen.length);
  };
};

const workflow = WORKFLOWS.find((w) => w.name === 'ticket-sla');
if (!workflow) throw new Error('ticket-sla is not declared in workflows/registry.ts');

let sfn: Awaited<ReturnType<typeof startStepFunctionsLocal>>;
let client: ReturnType<typeof sfnClient>;
beforeAll(async () => {
  sfn = await startStepFunctionsLocal({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: `sfn-sla-${randomUUID().slice(0, 8)}`,
    workflows: [workflow],
    resolveFunction: resolver,
    // A declared hour passes in a tenth of a second; retry intervals shrink alike.
    timeScale: 36_000,
  });
  client = sfnClient(sfn.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await sfn?.close();
});

async function run(script: Script) {
  const ticketId = `tkt_${randomUUID()}`;
  scripts.set(ticketId, script);
  const { executionArn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn: sfn.stateMachines[0]?.arn,
      name: `${ticketId}-1`,
      input: JSON.stringify({ ticketId, generation: 1, wokeFor: null }),
    }),
  );
  const description = await finished(client, executionArn as string, 20_000);
  return {
    ticketId,
    description,
    calls: calls.get(ticketId) ?? [],
    events: await history(client, executionArn as string),
  };
}

const answer = (p: Json, next: 'wait' | 'done', wokeFor: string | null = null) => ({
  ticketId: p.ticketId,
  generation: p.generation,
  next,
  wokeFor,
  did: [],
});

describe('ticket-sla workflow', () => {
  it('sleeps until the point the check names, then checks again with that point, until done', async () => {
    const first = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const second = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const result = await run(async (p, call) =>
      call === 1 ? answer(p, 'wait', first) : call === 2 ? answer(p, 'wait', second) : answer(p, 'done'),
    );

    expect(result.description.status).toBe('SUCCEEDED');
    expect(result.calls.map((c) => c.wokeFor)).toEqual([null, first, second]);
    expect(result.calls.every((c) => c.generation === 1 && c.ticketId === result.ticketId)).toBe(true);
    const waits = result.events.filter((e) => e.type === 'WaitStateEntered');
    expect(waits.map((e) => e.stateEnteredEventDetails?.name)).toEqual([
      'Sleep Until The Next Point',
      'Sleep Until The Next Point',
    ]);
    expect(output(result.description)).toMatchObject({ next: 'done', generation: 1 });
  });

  it('checks again, with that point, when the point named is already past', async () => {
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const result = await run(async (p, call) => (call === 1 ? answer(p, 'wait', past) : answer(p, 'done')));
    expect(result.description.status).toBe('SUCCEEDED');
    expect(result.calls.map((c) => c.wokeFor)).toEqual([null, past]);
  });

  it('retries a transient failure with backoff and carries on', async () => {
    const result = await run(async (p, call) => {
      if (call < 3) throw Object.assign(new Error('throttled'), { name: 'TransientError' });
      return answer(p, 'done');
    });
    expect(result.description.status).toBe('SUCCEEDED');
    expect(result.calls).toHaveLength(3);
  });

  it('ends in Clocks Failed on any other failure, without retrying it', async () => {
    const result = await run(async () => {
      throw Object.assign(new Error('bad input'), { name: 'InvalidTaskInput' });
    });
    expect(result.description.status).toBe('FAILED');
    expect(result.description.error).toBe('TicketSlaFailed');
    expect(result.calls).toHaveLength(1);
  });
});
