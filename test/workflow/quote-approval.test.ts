/**
 * workflows/quote-approval.asl.json, path by path, on the local Step Functions service with
 * scripted stand-ins for its four functions: which function is called with what, where each
 * answer leads, how timeouts, retries and failures route. The functions' own behaviour is tested
 * against the real stand-ins in test/integration/quote-approval*.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FunctionResolver, localFunctionArn, startStepFunctionsLocal } from '#local/stepfunctions/index';
import { WORKFLOWS } from '#workflows/registry.ts';
import { eventually, finished, history, output, sfnClient } from './support.ts';

type Json = Record<string, unknown>;
type Script = (payload: Json) => Promise<unknown>;

/** Per run (keyed by approvalId): what each function answers, and every call it got. */
const scripts = new Map<string, Partial<Record<string, Script>>>();
const calls: { fn: string; payload: Json }[] = [];

const FUNCTIONS = ['load-step', 'request-decisions', 'handle-timeout', 'finish-approval'];
const resolver: FunctionResolver = (arn) => {
  const fn = FUNCTIONS.find((name) => localFunctionArn(`approvals/${name}`) === arn);
  if (!fn) return undefined;
  return async (payload) => {
    const event = payload as Json;
    calls.push({ fn, payload: event });
    const script = scripts.get(String(event.approvalId))?.[fn];
    if (!script) throw new Error(`no script for ${fn}`);
    return script(event);
  };
};

const workflow = WORKFLOWS.find((w) => w.name === 'quote-approval');
if (!workflow) throw new Error('quote-approval is not declared in workflows/registry.ts');

let sfn: Awaited<ReturnType<typeof startStepFunctionsLocal>>;
let client: ReturnType<typeof sfnClient>;
beforeAll(async () => {
  sfn = await startStepFunctionsLocal({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: `sfn-qa-${randomUUID().slice(0, 8)}`,
    workflows: [workflow],
    resolveFunction: resolver,
    // A declared hour passes in under 4 ms; retry intervals shrink alike.
    timeScale: 1000,
  });
  client = sfnClient(sfn.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await sfn?.close();
});

const callsOf = (approvalId: string, fn: string) =>
  calls.filter((c) => c.fn === fn && c.payload.approvalId === approvalId).map((c) => c.payload);

/** Load Step answering step `i` open (for i < steps) and done after the last. */
const loadSteps =
  (steps: number, timeoutSeconds = 3600): Script =>
  async (p) => {
    const stepIndex = Number(p.stepIndex);
    return stepIndex < steps
      ? { approvalId: p.approvalId, stepIndex, round: 0, timeoutSeconds, done: false }
      : { approvalId: p.approvalId, stepIndex, round: 0, timeoutSeconds: 1, done: true, outcome: 'approved' };
  };

/** Request Decisions that answers its own token with outcomes in turn (none: leaves it waiting). */
const answering =
  (...outcomes: (string | undefined)[]): Script =>
  async (p) => {
    const outcome = outcomes.shift();
    if (outcome)
      setTimeout(() => {
        void client.send(
          new SendTaskSuccessCommand({ taskToken: String(p.taskToken), output: JSON.stringify({ outcome }) }),
        );
      }, 5);
    return { asked: 1 };
  };

const finishing: Script = async (p) => ({ status: p.outcome ?? 'none' });

async function run(script: Partial<Record<string, Script>>) {
  const approvalId = `apr_${randomUUID()}`;
  scripts.set(approvalId, script);
  const { executionArn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn: sfn.stateMachines[0]?.arn,
      name: approvalId,
      input: JSON.stringify({ approvalId, stepIndex: 0 }),
    }),
  );
  const description = await finished(client, executionArn as string, 20_000);
  return { approvalId, description, events: await history(client, executionArn as string) };
}

const finishPayload = (approvalId: string) => callsOf(approvalId, 'finish-approval')[0] as Json;

describe('quote-approval workflow', () => {
  it('runs each step the quote enters in turn and finishes approved after the last', async () => {
    const { approvalId, description } = await run({
      'load-step': loadSteps(2),
      'request-decisions': answering('approved', 'approved'),
      'finish-approval': finishing,
    });

    expect(description.status).toBe('SUCCEEDED');
    expect(callsOf(approvalId, 'load-step').map((p) => p.stepIndex)).toEqual([0, 1, 2]);
    expect(callsOf(approvalId, 'request-decisions').map((p) => [p.stepIndex, p.round])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(typeof callsOf(approvalId, 'request-decisions')[0]?.taskToken).toBe('string');
    expect(finishPayload(approvalId)).toMatchObject({ approvalId, done: true, outcome: 'approved' });
    expect(output(description)).toEqual({ status: 'approved' });
  });

  it('goes to Rejected and finishes rejected when a step is rejected, without opening the next', async () => {
    const { approvalId } = await run({
      'load-step': loadSteps(2),
      'request-decisions': answering('rejected'),
      'finish-approval': finishing,
    });

    expect(callsOf(approvalId, 'load-step').map((p) => p.stepIndex)).toEqual([0]);
    expect(finishPayload(approvalId)).toMatchObject({ approvalId, outcome: 'rejected' });
  });

  it('hands a timed-out wait to Handle Timeout, and waits again on a new token for the next round', async () => {
    const { approvalId, events } = await run({
      'load-step': loadSteps(1, 3),
      'request-decisions': answering(undefined, 'approved'),
      'handle-timeout': async (p) => ({
        ...p,
        round: Number(p.round) + 1,
        timeoutSeconds: 3600,
        action: 'wait',
      }),
      'finish-approval': finishing,
    });

    const asks = callsOf(approvalId, 'request-decisions');
    expect(asks.map((p) => p.round)).toEqual([0, 1]);
    expect(asks[0]?.taskToken).not.toEqual(asks[1]?.taskToken);
    expect(callsOf(approvalId, 'handle-timeout')).toEqual([{ approvalId, stepIndex: 0, round: 0 }]);
    const scheduled = events
      .filter((e) => e.type === 'TaskScheduled')
      .map((e) => e.taskScheduledEventDetails);
    expect(scheduled.map((d) => d?.timeoutInSeconds).filter(Boolean)).toEqual([3, 3600]);
    expect(finishPayload(approvalId)).toMatchObject({ outcome: 'approved' });
  });

  it('follows the timeout: approved moves to the next step, rejected ends the run rejected', async () => {
    const settleBy =
      (action: string): Script =>
      async (p) => ({ ...p, round: Number(p.round) + 1, timeoutSeconds: 0, action });
    const approved = await run({
      'load-step': loadSteps(1, 1),
      'request-decisions': answering(),
      'handle-timeout': settleBy('approved'),
      'finish-approval': finishing,
    });
    const rejected = await run({
      'load-step': loadSteps(2, 1),
      'request-decisions': answering(),
      'handle-timeout': settleBy('rejected'),
      'finish-approval': finishing,
    });

    expect(callsOf(approved.approvalId, 'load-step').map((p) => p.stepIndex)).toEqual([0, 1]);
    expect(finishPayload(approved.approvalId)).toMatchObject({ outcome: 'approved' });
    expect(callsOf(rejected.approvalId, 'load-step').map((p) => p.stepIndex)).toEqual([0]);
    expect(finishPayload(rejected.approvalId)).toMatchObject({ outcome: 'rejected' });
  });

  it('retries a transient failure with backoff, and sends any other failure to Finish as failed', async () => {
    let loads = 0;
    const transient = await run({
      'load-step': async (p) => {
        loads++;
        if (loads < 3) throw Object.assign(new Error('throttled'), { name: 'TransientError' });
        return loadSteps(0)(p);
      },
      'finish-approval': finishing,
    });
    const broken = await run({
      'load-step': async () => {
        throw Object.assign(new Error('no such run'), { name: 'ApprovalNotFound' });
      },
      'finish-approval': finishing,
    });

    expect(callsOf(transient.approvalId, 'load-step')).toHaveLength(3);
    expect(finishPayload(transient.approvalId)).toMatchObject({ outcome: 'approved' });
    expect(callsOf(broken.approvalId, 'load-step')).toHaveLength(1);
    expect(finishPayload(broken.approvalId)).toMatchObject({
      outcome: 'failed',
      error: { Error: 'ApprovalNotFound' },
    });
  });

  it('fails the execution, naming why, when Finish itself cannot complete', async () => {
    const { description } = await run({
      'load-step': loadSteps(0),
      'finish-approval': async () => {
        throw Object.assign(new Error('quote missing'), { name: 'ApprovalNotFound' });
      },
    });

    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('ApprovalNotFinished');
  });

  it('answers the token a decision arrives on while the function is still running', async () => {
    const { approvalId, description } = await run({
      'load-step': loadSteps(1),
      'request-decisions': async (p) => {
        // settleIfDecided inside request-decisions sends the outcome before the function returns.
        await client.send(
          new SendTaskSuccessCommand({ taskToken: String(p.taskToken), output: '{"outcome":"approved"}' }),
        );
        return { asked: 0, outcome: 'approved' };
      },
      'finish-approval': finishing,
    });

    expect(description.status).toBe('SUCCEEDED');
    await eventually(async () => finishPayload(approvalId), { what: 'finish' });
    expect(finishPayload(approvalId)).toMatchObject({ outcome: 'approved' });
  });
});
