/**
 * The execution timeline: histories shaped as AWS answers GetExecutionHistory, read through the
 * Step Functions reader over a mocked SFN client, turned into what an admin reads.
 */
import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stepFunctionsReader } from '#connectors/stepfunctions/execution-reader';
import { buildTimeline, formatDuration, MAX_PAYLOAD_BYTES } from '#functions/executions/domain/timeline';
import type { ExecutionDeps, ExecutionLinks } from '#functions/executions/ports';
import { getExecution } from '#functions/executions/use-cases/get-execution.use-case';
import { DomainError } from '#functions/shared/errors';
import { problemOf } from '#functions/shared/problem';
import { ExecutionDetail } from '#schemas/execution';
import { type RecordKey, type TaskCallbackRecord, tokenDigest } from '#store/execution-links';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-central-1' });
const MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:QuoteApprovalStateMachine-AbC123';
const EXECUTION = 'arn:aws:states:eu-central-1:123456789012:execution:QuoteApprovalStateMachine-AbC123';
const QUOTE = 'quo_01JD0000000000000000000001';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAd0Y2t5bW9ja3Rhc2t0b2tlbnRoYXRpc2xvbmdlbm91Z2g=';

beforeEach(() => {
  sfn.reset();
});

/** Builds a history the way AWS numbers it; `prev` defaults to the event just before. */
class History {
  readonly events: HistoryEvent[] = [];
  private clock = Date.parse('2025-03-01T09:00:00.000Z');

  add(type: string, details?: Record<string, unknown>, options: { prev?: number; after?: number } = {}) {
    this.clock += options.after ?? 100;
    const id = this.events.length + 1;
    const key = type.endsWith('StateEntered')
      ? 'stateEnteredEventDetails'
      : type.endsWith('StateExited')
        ? 'stateExitedEventDetails'
        : `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
    this.events.push({
      id,
      previousEventId: options.prev ?? id - 1,
      timestamp: new Date(this.clock),
      type,
      ...(details ? { [key]: details } : {}),
    } as HistoryEvent);
    return id;
  }
}

const json = (value: unknown) => JSON.stringify(value);

function answer(history: History, status: string, pageSize = 1000) {
  sfn.on(DescribeExecutionCommand).resolves({
    executionArn: `${EXECUTION}:apr_1`,
    stateMachineArn: MACHINE,
    name: 'apr_1',
    status: status as 'RUNNING',
    startDate: history.events[0]?.timestamp ?? new Date(),
    input: '{}',
  });
  const pages = [];
  for (let i = 0; i < history.events.length; i += pageSize) pages.push(history.events.slice(i, i + pageSize));
  pages.forEach((events, i) => {
    sfn
      .on(GetExecutionHistoryCommand, i === 0 ? { nextToken: undefined } : { nextToken: `page-${i}` })
      .resolves({ events, ...(i + 1 < pages.length ? { nextToken: `page-${i + 1}` } : {}) });
  });
}

function deps(
  options: { record?: RecordKey; callbacks?: Map<string, TaskCallbackRecord> } = {},
): ExecutionDeps {
  const links: ExecutionLinks = {
    recordOf: async () => options.record,
    recordsOf: async () => new Map(),
    forRecord: async () => ({ items: [], nextCursor: null }),
    callbacks: async (digests) =>
      new Map([...(options.callbacks ?? new Map())].filter(([digest]) => digests.includes(digest))),
  };
  return {
    reader: stepFunctionsReader(() => client),
    links,
    workflows: new Map([['quote-approval', MACHINE]]),
    listPageSize: 100,
    now: () => new Date('2025-03-01T10:00:00.000Z'),
  };
}

const read = async (d: ExecutionDeps, id = 'quote-approval.apr_1') => {
  const detail = await getExecution(d, id);
  // Every answer is what the OpenAPI document promises.
  expect(ExecutionDetail.safeParse(detail).success).toBe(true);
  return detail;
};

/** Wait → retried task → caught failure → callback answered: as AWS records it (no Exited on a catch). */
function reviewHistory() {
  const h = new History();
  h.add('ExecutionStarted', { input: json({ quoteId: QUOTE }), roleArn: 'role' });
  const wait = h.add('WaitStateEntered', { name: 'Cool Off', input: json({ quoteId: QUOTE }) });
  h.add('WaitStateExited', { name: 'Cool Off', output: json({ quoteId: QUOTE }) }, { after: 60_000 });
  const call = h.add('TaskStateEntered', { name: 'Call ERP', input: json({ quoteId: QUOTE }) });
  const s1 = h.add('TaskScheduled', {
    resourceType: 'lambda',
    resource: 'invoke',
    region: 'eu-central-1',
    parameters: json({ FunctionName: 'erp', Payload: { quoteId: QUOTE } }),
  });
  h.add('TaskStarted', { resourceType: 'lambda', resource: 'invoke' });
  h.add(
    'TaskFailed',
    { resourceType: 'lambda', resource: 'invoke', error: 'ErpBusy', cause: 'try later' },
    { after: 200 },
  );
  h.add('TaskScheduled', { resourceType: 'lambda', resource: 'invoke', parameters: '{}' }, { after: 2000 });
  h.add('TaskStarted', { resourceType: 'lambda', resource: 'invoke' });
  h.add('TaskSucceeded', {
    resourceType: 'lambda',
    resource: 'invoke',
    output: json({ Payload: { ok: true } }),
  });
  h.add('TaskStateExited', { name: 'Call ERP', output: json({ quoteId: QUOTE, erp: true }) });
  const validate = h.add('TaskStateEntered', { name: 'Validate Quote', input: '{}' });
  h.add('LambdaFunctionScheduled', {
    resource: 'arn:aws:lambda:eu-central-1:123456789012:function:validate',
    input: '{}',
  });
  h.add('LambdaFunctionStarted');
  const failed = h.add('LambdaFunctionFailed', {
    error: 'ValidationError',
    cause: 'the discount needs a reason',
  });
  const ask = h.add('TaskStateEntered', { name: 'Ask For Approval', input: '{}' }, { prev: failed });
  h.add('TaskScheduled', {
    resourceType: 'lambda',
    resource: 'invoke.waitForTaskToken',
    parameters: json({ FunctionName: 'ask', Payload: { taskToken: TOKEN, quoteId: QUOTE } }),
  });
  h.add('TaskStarted', { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' });
  h.add('TaskSubmitted', { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output: '{}' });
  h.add(
    'TaskSucceeded',
    { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output: json({ outcome: 'approved' }) },
    { after: 3_600_000 },
  );
  h.add('TaskStateExited', { name: 'Ask For Approval', output: json({ outcome: 'approved' }) });
  h.add('SucceedStateEntered', { name: 'Approved', input: '{}' });
  h.add('SucceedStateExited', { name: 'Approved', output: '{}' });
  h.add('ExecutionSucceeded', { output: json({ outcome: 'approved' }) });
  return { h, ids: { wait, call, s1, validate, ask } };
}

describe('the timeline of an execution', () => {
  it('shows each state once, in order, with its input and output', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const detail = await read(deps());

    expect(detail.states.map((s) => [s.name, s.type, s.status])).toEqual([
      ['Cool Off', 'Wait', 'succeeded'],
      ['Call ERP', 'Task', 'succeeded'],
      ['Validate Quote', 'Task', 'caught'],
      ['Ask For Approval', 'Task', 'succeeded'],
      ['Approved', 'Succeed', 'succeeded'],
    ]);
    expect(detail.states[1]?.output).toEqual({ quoteId: QUOTE, erp: true });
    expect(detail).toMatchObject({
      id: 'quote-approval.apr_1',
      workflow: 'quote-approval',
      status: 'SUCCEEDED',
      input: { quoteId: QUOTE },
      output: { outcome: 'approved' },
      eventCount: 24,
    });
  });

  it('shows a Wait with how long it waited', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const wait = (await read(deps())).states[0];

    expect(wait).toMatchObject({ durationMs: 60_000, summary: 'Waited 1 min.' });
  });

  it('shows a retry as a second attempt, with the error of the first and the backoff between them', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const call = (await read(deps())).states[1];

    expect(call?.retries).toBe(1);
    expect(call?.attempts?.map((a) => [a.number, a.status, a.error ?? null])).toEqual([
      [1, 'failed', 'ErpBusy'],
      [2, 'succeeded', null],
    ]);
    expect(call?.attempts?.[0]).toMatchObject({
      resource: 'lambda:invoke',
      cause: 'try later',
      durationMs: 300,
    });
    expect(call?.attempts?.[1]?.retryDelayMs).toBe(2000);
    expect(call?.summary).toContain('after 2 attempts (1 retry)');
  });

  it('shows a caught failure with its error, cause and the state the Catch sent it to', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const validate = (await read(deps())).states[2];

    expect(validate).toMatchObject({
      status: 'caught',
      error: 'ValidationError',
      cause: 'the discount needs a reason',
      caughtBy: 'Ask For Approval',
    });
    expect(validate?.summary).toBe('Failed with ValidationError; a Catch sent it to “Ask For Approval”.');
  });

  it('names who answered a task token where the product recorded it', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const sender: TaskCallbackRecord = {
      outcome: 'success',
      actor: { id: 'usr_1', name: 'Grace Hopper', role: 'manager', kind: 'user' },
      channel: 'email',
      at: '2025-03-01T10:00:00.000Z',
      summary: 'Approved step 1',
      href: `/v1/quotes/${QUOTE}/history`,
    };
    const detail = await read(
      deps({ record: { type: 'quote', id: QUOTE }, callbacks: new Map([[tokenDigest(TOKEN), sender]]) }),
    );
    const callback = detail.states[3]?.attempts?.[0]?.callback;

    expect(callback).toMatchObject({
      settlement: 'success',
      settledBy: { actor: { name: 'Grace Hopper' }, channel: 'email', href: `/v1/quotes/${QUOTE}/history` },
      seeAlso: `/v1/quotes/${QUOTE}/history`,
    });
    expect(callback?.note).toContain('Grace Hopper answered by email');
    expect(detail.record).toEqual({ type: 'quote', id: QUOTE, href: `/v1/quotes/${QUOTE}` });
    expect(detail.states[3]?.durationMs).toBeGreaterThanOrEqual(3_600_000);
  });

  it('marks a callback whose sender was not recorded, and points at the record’s history', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const detail = await read(deps({ record: { type: 'quote', id: QUOTE } }));
    const callback = detail.states[3]?.attempts?.[0]?.callback;

    expect(callback?.settlement).toBe('success');
    expect(callback?.settledBy).toBeUndefined();
    expect(callback?.note).toContain('Step Functions does not record who sent it');
    expect(callback?.note).toContain(`/v1/quotes/${QUOTE}/history`);
  });

  it('never shows a task token, only its fingerprint', async () => {
    answer(reviewHistory().h, 'SUCCEEDED');
    const detail = await read(deps());
    const text = JSON.stringify(detail);

    expect(text).not.toContain(TOKEN);
    const callback = detail.states[3]?.attempts?.[0]?.callback;
    expect(callback?.token).toMatch(/^…[0-9a-f]{12}$/);
    expect(detail.states[3]?.attempts?.[0]?.parameters).toEqual({
      FunctionName: 'ask',
      Payload: { taskToken: `[task token ${callback?.token}]`, quoteId: QUOTE },
    });
  });

  it('reads every page of a long history', async () => {
    answer(reviewHistory().h, 'SUCCEEDED', 5);
    const detail = await read(deps());

    expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 5);
    expect(detail.eventCount).toBe(24);
    expect(detail.states.at(-1)?.name).toBe('Approved');
  });
});

describe('an execution that did not succeed', () => {
  it('shows the failed state with the error and cause that failed the execution', async () => {
    const h = new History();
    h.add('ExecutionStarted', { input: '{}' });
    h.add('TaskStateEntered', { name: 'Call ERP', input: '{}' });
    for (let i = 0; i < 3; i++) {
      h.add('TaskScheduled', { resourceType: 'lambda', resource: 'invoke', parameters: '{}' });
      h.add('TaskStarted', { resourceType: 'lambda', resource: 'invoke' });
      h.add('TaskFailed', {
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'ErpDown',
        cause: `attempt ${i + 1}`,
      });
    }
    h.add('ExecutionFailed', { error: 'ErpDown', cause: 'attempt 3' });
    answer(h, 'FAILED');
    const detail = await read(deps());

    expect(detail).toMatchObject({ status: 'FAILED', error: 'ErpDown', cause: 'attempt 3' });
    expect(detail.states[0]).toMatchObject({
      status: 'failed',
      error: 'ErpDown',
      cause: 'attempt 3',
      retries: 2,
    });
    expect(detail.states[0]?.summary).toBe(
      'Failed with ErpDown after 3 attempts (2 retries); the execution failed here.',
    );
  });

  it('gives a Fail state the error and cause it failed the execution with', async () => {
    const h = new History();
    h.add('ExecutionStarted', { input: '{}' });
    h.add('FailStateEntered', { name: 'Refuse', input: '{}' });
    h.add('ExecutionFailed', { error: 'QuoteExpired', cause: 'The quote expired.' });
    answer(h, 'FAILED');
    const refuse = (await read(deps())).states[0];

    expect(refuse).toMatchObject({
      type: 'Fail',
      status: 'failed',
      error: 'QuoteExpired',
      cause: 'The quote expired.',
    });
  });

  it('shows a Wait cut short by StopExecution as aborted', async () => {
    const h = new History();
    h.add('ExecutionStarted', { input: '{}' });
    h.add('WaitStateEntered', { name: 'Cool Off', input: '{}' });
    h.add('WaitStateAborted', undefined);
    h.add('ExecutionAborted', { error: 'Recalled', cause: 'the submitter recalled the quote' });
    answer(h, 'ABORTED');
    const detail = await read(deps());

    expect(detail).toMatchObject({ status: 'ABORTED', error: 'Recalled' });
    expect(detail.states[0]?.status).toBe('aborted');
  });

  it('says when a callback task’s function failed before anybody was asked', async () => {
    const h = new History();
    h.add('ExecutionStarted', { input: '{}' });
    h.add('TaskStateEntered', { name: 'Ask For Approval', input: '{}' });
    h.add('TaskScheduled', {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      parameters: json({ Payload: { taskToken: TOKEN } }),
    });
    h.add('TaskStarted', { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' });
    h.add('TaskFailed', { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'SesDown' });
    h.add('ExecutionFailed', { error: 'SesDown' });
    answer(h, 'FAILED');
    const callback = (await read(deps())).states[0]?.attempts?.[0]?.callback;

    expect(callback?.settlement).toBe('not-handed-over');
  });

  it('shows a callback still waited on, and a timed-out one', async () => {
    const h = new History();
    h.add('ExecutionStarted', { input: '{}' });
    h.add('TaskStateEntered', { name: 'Ask For Approval', input: '{}' });
    const params = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
    h.add('TaskScheduled', { ...params, parameters: json({ Payload: { taskToken: `${TOKEN}1` } }) });
    h.add('TaskStarted', params);
    h.add('TaskSubmitted', { ...params, output: '{}' });
    h.add('TaskTimedOut', { ...params, error: 'States.Timeout' }, { after: 1000 });
    h.add('TaskScheduled', { ...params, parameters: json({ Payload: { taskToken: `${TOKEN}2` } }) });
    h.add('TaskStarted', params);
    h.add('TaskSubmitted', { ...params, output: '{}' });
    answer(h, 'RUNNING');
    const ask = (await read(deps())).states[0];

    expect(ask?.status).toBe('running');
    expect(ask?.attempts?.map((a) => [a.status, a.callback?.settlement])).toEqual([
      ['timed-out', 'timeout'],
      ['waiting-for-callback', 'pending'],
    ]);
    expect(ask?.summary).toMatch(/^Waiting for a callback on its task token for /);
    expect(ask?.exitedAt).toBeUndefined();
  });
});

describe('states inside a Parallel', () => {
  it('names the Parallel visit they ran in', async () => {
    const h = new History();
    h.add('ExecutionStarted', { input: '{}' });
    const parallel = h.add('ParallelStateEntered', { name: 'Notify', input: '{}' });
    h.add('ParallelStateStarted');
    const email = h.add('PassStateEntered', { name: 'Email', input: '{}' });
    const sms = h.add('PassStateEntered', { name: 'Sms', input: '{}' });
    h.add('PassStateExited', { name: 'Email', output: '{}' }, { prev: email });
    h.add('PassStateExited', { name: 'Sms', output: '{}' }, { prev: sms });
    h.add('ParallelStateSucceeded', undefined, { prev: parallel + 1 });
    h.add('ParallelStateExited', { name: 'Notify', output: '[{},{}]' });
    h.add('ExecutionSucceeded', { output: '[{},{}]' });
    answer(h, 'SUCCEEDED');
    const states = (await read(deps())).states;

    expect(states.map((s) => [s.name, s.parent ?? null, s.status])).toEqual([
      ['Notify', null, 'succeeded'],
      ['Email', parallel, 'succeeded'],
      ['Sms', parallel, 'succeeded'],
    ]);
  });
});

describe('large payloads', () => {
  it('leaves out a payload over the limit and says how large it was', async () => {
    const big = json({ blob: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    const h = new History();
    h.add('ExecutionStarted', { input: big });
    h.add('PassStateEntered', { name: 'Carry', input: big });
    h.add('PassStateExited', { name: 'Carry', output: '{"small":true}' });
    h.add('ExecutionSucceeded', { output: '{"small":true}' });
    answer(h, 'SUCCEEDED');
    const detail = await read(deps());

    expect(detail.input).toBeUndefined();
    expect(detail.omitted).toEqual({ input: Buffer.byteLength(big) });
    expect(detail.states[0]).toMatchObject({
      omitted: { input: Buffer.byteLength(big) },
      output: { small: true },
    });
  });
});

describe('the size of the answer', () => {
  it('stays well under Lambda’s 6 MB response limit for the longest history, leaving payloads out first', () => {
    const h = new History();
    const payload = json({ note: 'x'.repeat(1000) });
    h.add('ExecutionStarted', { input: payload });
    for (let n = 0; h.events.length < 24_990; n++) {
      h.add('PassStateEntered', { name: `Step ${n}`, input: payload });
      h.add('PassStateExited', { name: `Step ${n}`, output: payload });
    }
    const timeline = buildTimeline({ events: h.events, status: 'RUNNING' });
    const states = timeline.states;

    expect(states).toHaveLength(12_495);
    expect(Buffer.byteLength(JSON.stringify(timeline))).toBeLessThan(4 * 1024 * 1024);
    expect(states[0]?.input).toEqual({ note: 'x'.repeat(1000) });
    expect(states.at(-1)?.omitted).toEqual({ input: payload.length, output: payload.length });
  });
});

describe('ids', () => {
  it('refuses an id that cannot be one with 400, before calling Step Functions', async () => {
    for (const id of [
      'nodot',
      '.apr_1',
      'Quote_Approval.apr_1',
      'quote-approval.a b',
      `quote-approval.${'x'.repeat(81)}`,
      'quote-approval.~!!',
    ]) {
      const error = await getExecution(deps(), id).catch((e: unknown) => e);
      expect(error, id).toBeInstanceOf(DomainError);
      expect(problemOf(error as DomainError).status, id).toBe(400);
    }
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('answers 404 for a workflow it does not know and for an execution Step Functions does not have', async () => {
    const unknown = await getExecution(deps(), 'lead-routing.run_1').catch((e: unknown) => e);
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'nope', $metadata: {} }));
    const missing = await getExecution(deps(), 'quote-approval.apr_404').catch((e: unknown) => e);

    expect(problemOf(unknown as DomainError).status).toBe(404);
    expect(problemOf(missing as DomainError).status).toBe(404);
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: `${EXECUTION}:apr_404` });
  });
});

describe('formatDuration', () => {
  it('reads as a person would say it', () => {
    expect(
      [35, 1234, 42_000, 61_000, 3_600_000 + 5 * 60_000, 3 * 86_400_000 + 4 * 3_600_000].map(formatDuration),
    ).toEqual(['35 ms', '1.2 s', '42 s', '1 min 1 s', '1 h 5 min', '3 d 4 h']);
  });
});
