/**
 * The states and features a definition relies on behave as on AWS Step Functions, driven through
 * the Step Functions API over a real socket.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsTo } from './fixtures/functions/journal.ts';
import { output, startTestService, type TestService, types } from './support.ts';

// Retry intervals and waits pass 20 times faster: 1 s of backoff takes 50 ms.
const TIME_SCALE = 20;
let sfn: TestService;

beforeAll(async () => {
  sfn = await startTestService({ timeScale: TIME_SCALE, lambdaTimeoutMs: 300 });
});
afterAll(() => sfn?.close());

const run = async (stateMachine: string, input: unknown) => {
  const executionArn = await sfn.start(stateMachine, input);
  return { executionArn, description: await sfn.finished(executionArn) };
};

describe('Choice', () => {
  const lead = { score: 10, country: 'FR', employees: 20, tier: 'silver' };
  it.each([
    [{ ...lead, score: 85, country: 'DE' }, 'enterprise-emea'],
    [{ ...lead, score: 85, employees: 900, owner: 'ann' }, 'key-account'],
    [{ ...lead, tier: 'gold-plus', owner: 'ann' }, 'key-account'],
    [lead, 'unassigned'],
    [{ ...lead, owner: 'ann' }, 'owned'],
    [{ ...lead, owner: 'nobody' }, 'nurture'],
  ])('routes %j to %s (And, Or, StringMatches, IsPresent false, Not, Default)', async (input, route) => {
    const { description } = await run('choice', input);
    expect(description.status).toBe('SUCCEEDED');
    expect(output(description).route).toBe(route);
  });

  it('fails with States.Runtime when a compared field is missing, as AWS does (IsPresent guards it)', async () => {
    const { description } = await run('choice', { score: 10 });
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('States.Runtime');
    expect(description.cause).toContain("state 'Route Lead'");
  });

  it('records ChoiceStateEntered and ChoiceStateExited, then the chosen state', async () => {
    const { executionArn } = await run('choice', lead);
    expect(types(await sfn.history(executionArn))).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('Wait', () => {
  it('waits for SecondsPath (scaled), passes its input on and records WaitStateEntered/Exited', async () => {
    const started = Date.now();
    const { executionArn, description } = await run('wait', { seconds: 10 });
    expect(Date.now() - started).toBeGreaterThanOrEqual((10 * 1000) / TIME_SCALE - 5);
    expect(output(description)).toEqual({ seconds: 10, waited: true });
    const events = await sfn.history(executionArn);
    expect(types(events).slice(0, 3)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited']);
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('Cool Off');
  });

  it('fails with States.Runtime when SecondsPath is not a non-negative integer', async () => {
    const { description } = await run('wait', { seconds: 'soon' });
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('States.Runtime');
    expect(description.cause).toContain("state 'Cool Off'");
  });
});

describe('Parallel', () => {
  it('runs every branch on the same input and merges the results in branch order', async () => {
    const { executionArn, description } = await run('parallel', { base: 5, company: 'Acme' });
    expect(output(description).lead).toEqual({ score: 15, company: 'Acme' });
    const events = types(await sfn.history(executionArn));
    expect(events.slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(events.filter((type) => type === 'TaskSucceeded')).toHaveLength(2);
    expect(events.slice(-5)).toEqual([
      'ParallelStateSucceeded',
      'ParallelStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('Map', () => {
  it('processes every item with ItemSelector ($$.Map.Item) and keeps the results in item order', async () => {
    const lines = [
      { quantity: 1, extra: 2 },
      { quantity: 3, extra: 4 },
      { quantity: 5, extra: 6 },
    ];
    const { executionArn, description } = await run('map', { currency: 'EUR', lines });
    const priced = output(description).priced as {
      position: number;
      currency: string;
      price: { total: number };
    }[];
    expect(priced.map((line) => [line.position, line.currency, line.price.total])).toEqual([
      [0, 'EUR', 3],
      [1, 'EUR', 7],
      [2, 'EUR', 11],
    ]);
    const events = await sfn.history(executionArn);
    expect(
      events.find((event) => event.type === 'MapStateStarted')?.mapStateStartedEventDetails?.length,
    ).toBe(3);
    expect(
      events
        .filter((event) => event.type === 'MapIterationStarted')
        .map((event) => event.mapIterationStartedEventDetails?.index)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(types(events).slice(-3)).toEqual(['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });

  it('succeeds with an empty result for no items', async () => {
    const { description } = await run('map', { currency: 'EUR', lines: [] });
    expect(output(description).priced).toEqual([]);
  });
});

describe('Retry', () => {
  it('retries a failing task with exponential backoff until it succeeds', async () => {
    const key = randomUUID();
    const { executionArn, description } = await run('retry', { key, failures: 2 });
    expect(description.status).toBe('SUCCEEDED');
    expect(output(description).result).toEqual({ attempt: 3 });
    const attempts = callsTo('flaky').filter((call) => (call.event as { key: string }).key === key);
    expect(attempts).toHaveLength(3);
    // IntervalSeconds 1, BackoffRate 4: 1 s then 4 s, scaled.
    const [first, second, third] = attempts.map((attempt) => attempt.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(1000 / TIME_SCALE - 5);
    expect(third - second).toBeGreaterThanOrEqual(4000 / TIME_SCALE - 5);
    const events = types(await sfn.history(executionArn));
    expect(events.filter((type) => type === 'TaskScheduled')).toHaveLength(3);
    expect(events.filter((type) => type === 'TaskFailed')).toHaveLength(2);
  });

  it('hands the last error to Catch once MaxAttempts is used up', async () => {
    const key = randomUUID();
    const { description } = await run('retry', { key, failures: 5 });
    expect(description.status).toBe('SUCCEEDED');
    const error = output(description).error as { Error: string; Cause: string };
    expect(error.Error).toBe('FlakyError');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'FlakyError',
      errorMessage: `attempt 3 of ${key} failed`,
    });
    expect(callsTo('flaky').filter((call) => (call.event as { key: string }).key === key)).toHaveLength(3);
  });

  it('reports a function that outlives its Lambda deadline as Lambda.Unknown, which Retry matches', async () => {
    const before = callsTo('slow').length;
    const { description } = await run('lambda-timeout', { ms: 2_000 });
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('Lambda.Unknown');
    expect(description.cause).toContain('Task timed out');
    expect(callsTo('slow').length - before).toBe(2);
  });
});

describe('Catch', () => {
  it('routes a Lambda error by its name and passes Error and Cause as Lambda reports them', async () => {
    const { executionArn, description } = await run('catch', { quoteId: 'q-1' });
    expect(output(description).outcome).toBe('corrections');
    const error = output(description).error as { Error: string; Cause: string };
    expect(error.Error).toBe('ValidationError');
    const cause = JSON.parse(error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause.errorType).toBe('ValidationError');
    expect(cause.errorMessage).toBe('the quote is not valid');
    expect(cause.trace[0]).toBe('ValidationError: the quote is not valid');
    // A function ARN as Resource: the history speaks of Lambda functions, not tasks.
    expect(types(await sfn.history(executionArn)).slice(1, 5)).toEqual([
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
    ]);
  });

  it('lets States.TaskFailed catch any other task error', async () => {
    const { description } = await run('catch', { errorName: 'ErpUnavailable' });
    expect(output(description).outcome).toBe('escalated');
    expect((output(description).error as { Error: string }).Error).toBe('ErpUnavailable');
  });
});

describe('Fail', () => {
  it('fails the execution with the declared error and cause', async () => {
    const { executionArn, description } = await run('fail', {});
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('QuoteExpired');
    expect(description.cause).toBe('The quote expired before it was approved.');
    expect(types(await sfn.history(executionArn))).toEqual([
      'ExecutionStarted',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
  });
});

describe('intrinsic functions and the context object', () => {
  it('evaluates States.Format, StringToJson, JsonToString, Array, MathAdd, UUID and friends', async () => {
    const name = `intrinsics-${randomUUID()}`;
    const executionArn = await sfn.start(
      'intrinsics',
      {
        name: 'Ann',
        count: 3,
        json: '{"a":[1,2]}',
        object: { x: 1 },
        extra: { y: 2 },
        items: ['p', 'q'],
        csv: 'a,b,c',
      },
      name,
    );
    const result = output(await sfn.finished(executionArn));
    expect(result).toMatchObject({
      greeting: 'Hello, Ann! You have 3 new leads.',
      parsed: { a: [1, 2] },
      text: '{"x":1}',
      list: ['Ann', 3, 'x'],
      sum: 8,
      length: 2,
      encoded: Buffer.from('Ann').toString('base64'),
      firstItem: 'p',
      parts: ['a', 'b', 'c'],
      merged: { x: 1, y: 2 },
      executionName: name,
      stateName: 'Compute',
    });
    expect(result.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('Lambda tasks', () => {
  it('gives lambda:invoke results the AWS shape: Payload, StatusCode, ExecutedVersion', async () => {
    const { executionArn } = await run('five-states', { a: 1 });
    const events = await sfn.history(executionArn);
    const succeeded = events.find((event) => event.type === 'TaskSucceeded');
    const result = JSON.parse(succeeded?.taskSucceededEventDetails?.output ?? '{}');
    expect(result).toMatchObject({ Payload: { sum: 2 }, StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(succeeded?.taskSucceededEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
    });
    const scheduled = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(JSON.parse(scheduled?.parameters ?? '{}')).toMatchObject({ Payload: { a: 1, b: 1 } });
  });
});
