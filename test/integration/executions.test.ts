/**
 * /v1/executions against the hub's own Step Functions service, running the fixture workflows:
 * executions started for records, a timeline with a Wait, a retry, a Catch and a task-token
 * callback, a failed one, every list filter and pagination, and input that must be refused.
 */
import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepFunctions } from '#connectors/stepfunctions/client';
import { startWorkflow } from '#functions/shared/workflows';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { createAccount } from '../support/fixtures.ts';
import { type ApiResponse, startTestHub, type TestHub } from '../support/hub.ts';
import { fixtureFunctions } from '../workflow/fixtures/functions/index.ts';
import { callsTo } from '../workflow/fixtures/functions/journal.ts';
import { fixture } from '../workflow/fixtures/workflows.ts';
import { eventually, finished } from '../workflow/support.ts';

let hub: TestHub;
let links: ExecutionLinkStore;
let accountId: string;
let otherAccountId: string;
const run = randomUUID().slice(0, 8);

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked against the OpenAPI schemas below
type Json = any;

/** Starts a fixture workflow for a record, as the product does, and waits for it to end. */
async function startFor(
  workflow: string,
  name: string,
  input: unknown,
  record?: { type: string; id: string },
) {
  const { executionArn } = await startWorkflow(links, {
    workflow,
    name,
    input,
    ...(record ? { record } : {}),
  });
  return executionArn;
}

/** Answers the approval request a `review` execution sends, noting who answered, as a decision page would. */
async function approve(quoteKey: string) {
  const call = await eventually(async () =>
    callsTo('request-approval').find((c) => (c.event as { quoteId?: string }).quoteId === quoteKey),
  );
  const token = (call.event as { taskToken: string }).taskToken;
  await stepFunctions().send(
    new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
  );
  await links.recordCallback(token, {
    outcome: 'success',
    actor: { id: 'usr_grace', name: 'Grace Hopper', role: 'manager', kind: 'user' },
    channel: 'email',
    at: new Date().toISOString(),
    summary: 'Approved from the email link',
    href: `/v1/accounts/${accountId}/history`,
  });
  return token;
}

const review = (key: string, failures: number) => ({ seconds: 2, key, failures, quoteId: key });

let reviewed: { name: string; token: string };
let failedName: string;
const started: { id: string; account?: string; status: string }[] = [];

beforeAll(async () => {
  hub = await startTestHub({
    workflows: [
      fixture('review', ['FlakyFunction', 'RejectFunction', 'RequestApprovalFunction']),
      fixture('fail'),
      fixture('wait'),
      fixture('express', ['AddFunction'], 'EXPRESS'),
    ],
    resolveFunction: fixtureFunctions(),
    // A second of workflow time in 10 ms: the Wait and the retry backoff pass quickly.
    timeScale: 100,
  });
  links = new ExecutionLinkStore(documents, hub.tables.records);
  accountId = await createAccount(hub.api);
  otherAccountId = await createAccount(hub.api, { name: 'Initech' });

  // The showcase: a Wait, a failure retried once, a caught failure, a callback answered.
  const name = `review-ok-${run}`;
  const arn = await startFor('review', name, review(name, 1), { type: 'account', id: accountId });
  reviewed = { name, token: await approve(name) };
  await finished(stepFunctions(), arn);
  started.push({ id: `review.${name}`, account: accountId, status: 'SUCCEEDED' });

  // Fails for good: the retries run out and nothing catches it.
  failedName = `review-bad-${run}`;
  await finished(
    stepFunctions(),
    await startFor('review', failedName, review(failedName, 5), { type: 'account', id: accountId }),
  );
  started.push({ id: `review.${failedName}`, account: accountId, status: 'FAILED' });

  for (let i = 0; i < 3; i++) {
    const n = `refuse-${run}-${i}`;
    await finished(
      stepFunctions(),
      await startFor('fail', n, {}, i === 0 ? { type: 'account', id: otherAccountId } : undefined),
    );
    started.push({ id: `fail.${n}`, ...(i === 0 ? { account: otherAccountId } : {}), status: 'FAILED' });
  }
  // Still running when the tests read it: a Wait of an hour of workflow time.
  const waiting = `wait-${run}`;
  await startFor('wait', waiting, { seconds: 3600 }, { type: 'account', id: accountId });
  started.push({ id: `wait.${waiting}`, account: accountId, status: 'RUNNING' });
}, 120_000);
afterAll(() => hub?.stop());

async function all(query: string, limit = 2): Promise<{ ids: string[]; pages: number; items: Json[] }> {
  const items: Json[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const page = await hub.api.get(`/v1/executions?${params}`);
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { ids: items.map((item) => item.id), pages, items };
}

function expectProblem(response: ApiResponse, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.body.status).toBe(status);
  expect(response.text).not.toMatch(/at .*\.ts:\d+/);
}

describe('GET /v1/executions/{id}: the timeline', () => {
  let detail: Json;
  beforeAll(async () => {
    const response = await hub.api.get(`/v1/executions/review.${reviewed.name}`);
    expect(response.status, response.text).toBe(200);
    detail = response.body;
  });

  it('names the execution, its status, its record, and every state in order', () => {
    expect(detail).toMatchObject({
      id: `review.${reviewed.name}`,
      workflow: 'review',
      name: reviewed.name,
      status: 'SUCCEEDED',
      record: { type: 'account', id: accountId, href: `/v1/accounts/${accountId}` },
      input: review(reviewed.name, 1),
    });
    expect(detail.states.map((s: Json) => [s.name, s.status])).toEqual([
      ['Cool Off', 'succeeded'],
      ['Call Flaky Service', 'succeeded'],
      ['Validate Quote', 'caught'],
      ['Ask For Approval', 'succeeded'],
      ['Quote Approved', 'succeeded'],
    ]);
    expect(detail.output).toMatchObject({ decision: { approved: true }, flaky: { attempt: 2 } });
  });

  it('shows the Wait, with how long it took', () => {
    const wait = detail.states[0];
    expect(wait.type).toBe('Wait');
    expect(wait.durationMs).toEqual(expect.any(Number));
    expect(wait.summary).toMatch(/^Waited /);
  });

  it('shows the retry: a failed first attempt with its error, then a second that succeeded', () => {
    const flaky = detail.states[1];
    expect(flaky.retries).toBe(1);
    expect(flaky.attempts.map((a: Json) => [a.status, a.error ?? null])).toEqual([
      ['failed', 'FlakyError'],
      ['succeeded', null],
    ]);
    expect(JSON.parse(flaky.attempts[0].cause)).toMatchObject({
      errorMessage: expect.stringContaining('attempt 1'),
    });
    expect(flaky.attempts[1].retryDelayMs).toEqual(expect.any(Number));
    expect(flaky.attempts[1].output).toMatchObject({ Payload: { attempt: 2 } });
  });

  it('shows the Catch: the error, its cause and the state it went on to', () => {
    expect(detail.states[2]).toMatchObject({
      status: 'caught',
      error: 'ValidationError',
      caughtBy: 'Ask For Approval',
    });
    expect(JSON.parse(detail.states[2].cause)).toMatchObject({ errorMessage: 'the discount needs a reason' });
  });

  it('shows the callback: token handed over, answered, and by whom — never the token itself', () => {
    const callback = detail.states[3].attempts[0].callback;
    expect(callback).toMatchObject({
      settlement: 'success',
      handedOverAt: expect.any(String),
      settledAt: expect.any(String),
      settledBy: {
        actor: { name: 'Grace Hopper' },
        channel: 'email',
        outcome: 'success',
        href: `/v1/accounts/${accountId}/history`,
      },
      seeAlso: `/v1/accounts/${accountId}/history`,
    });
    expect(JSON.stringify(detail)).not.toContain(reviewed.token);
    expect(detail.states[3].attempts[0].parameters.Payload.taskToken).toBe(`[task token ${callback.token}]`);
  });

  it('shows a failed execution with the error and cause, on the state that failed it', async () => {
    const response = await hub.api.get(`/v1/executions/review.${failedName}`);
    expect(response.status).toBe(200);
    const failed = response.body;
    expect(failed).toMatchObject({ status: 'FAILED', error: 'FlakyError' });
    expect(JSON.parse(failed.cause)).toMatchObject({ errorMessage: expect.stringContaining('attempt 3') });
    expect(failed.states.at(-1)).toMatchObject({
      name: 'Call Flaky Service',
      status: 'failed',
      error: 'FlakyError',
      retries: 2,
    });

    const refused = await hub.api.get(`/v1/executions/fail.refuse-${run}-0`);
    expect(refused.body).toMatchObject({ status: 'FAILED', error: 'QuoteExpired' });
    expect(refused.body.states[0]).toMatchObject({
      type: 'Fail',
      status: 'failed',
      error: 'QuoteExpired',
      cause: 'The quote expired before it was approved.',
    });
  });

  it('shows a running execution with the state it is in', async () => {
    const response = await hub.api.get(`/v1/executions/wait.wait-${run}`);
    expect(response.body.status).toBe('RUNNING');
    expect(response.body.states).toMatchObject([{ name: 'Cool Off', type: 'Wait', status: 'running' }]);
  });
});

describe('GET /v1/executions: filters and pages', () => {
  const expected = (pick: (e: (typeof started)[number]) => boolean) =>
    started
      .filter(pick)
      .map((e) => e.id)
      .reverse();

  it('lists every execution newest first, across workflows, page by page', async () => {
    const { ids, pages } = await all('', 2);
    expect(ids).toEqual(expected(() => true));
    expect(pages).toBe(3);
  });

  it('filters by workflow', async () => {
    expect((await all('workflow=fail', 2)).ids).toEqual(expected((e) => e.id.startsWith('fail.')));
  });

  it('filters by status', async () => {
    expect((await all('status=FAILED', 1)).ids).toEqual(expected((e) => e.status === 'FAILED'));
    expect((await all('status=RUNNING')).ids).toEqual(expected((e) => e.status === 'RUNNING'));
  });

  it('filters by record, and by record with workflow and status', async () => {
    expect((await all(`record=account:${accountId}`, 1)).ids).toEqual(
      expected((e) => e.account === accountId),
    );
    expect((await all(`record=account:${otherAccountId}`)).ids).toEqual(
      expected((e) => e.account === otherAccountId),
    );
    expect((await all(`record=account:${accountId}&workflow=review&status=FAILED`)).ids).toEqual([
      `review.${failedName}`,
    ]);
  });

  it('gives each execution its record and its link', async () => {
    const { items } = await all('workflow=review', 10);
    expect(items[0]).toMatchObject({
      record: { type: 'account', id: accountId },
      href: `/v1/executions/review.${failedName}`,
      status: 'FAILED',
      stoppedAt: expect.any(String),
    });
  });

  it('answers as the OpenAPI document describes', async () => {
    const doc = (await hub.api.get('/openapi.json', { as: null })).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      ajv.addSchema(schema as object, `#/components/schemas/${name}`);
    const check = (path: string, body: unknown) => {
      const validate = ajv.compile(doc.paths[path].get.responses['200'].content['application/json'].schema);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    };
    check('/v1/executions', (await hub.api.get('/v1/executions?limit=3')).body);
    check('/v1/executions/{id}', (await hub.api.get(`/v1/executions/review.${reviewed.name}`)).body);
  });
});

describe('refusals', () => {
  it('answers 404 for an unknown execution or workflow, 400 for what cannot be an id', async () => {
    expectProblem(await hub.api.get(`/v1/executions/review.nobody-${run}`), 404);
    expectProblem(await hub.api.get('/v1/executions/order-to-cash.o-1'), 404);
    for (const id of [
      'review',
      'Review.x',
      'review.a%20b',
      'review.a%3Ab',
      `review.${'x'.repeat(81)}`,
      '%E2%80%AE',
      'review.~%%%',
    ])
      expectProblem(await hub.api.get(`/v1/executions/${id}`), 400);
  });

  it('lets admins and managers in, and nobody else', async () => {
    expect((await hub.api.get('/v1/executions?limit=1', { as: 'manager' })).status).toBe(200);
    for (const role of ['sales', 'support', 'finance', 'integration'] as const) {
      expectProblem(await hub.api.get('/v1/executions', { as: role }), 403);
      expectProblem(await hub.api.get(`/v1/executions/review.${reviewed.name}`, { as: role }), 403);
    }
    expectProblem(await hub.api.get('/v1/executions', { as: null }), 401);
  });

  it('refuses hostile query strings with 400, never a 5xx', async () => {
    const huge = 'x'.repeat(8_000);
    const cases = [
      `workflow=${huge}`,
      `record=${huge}`,
      `cursor=${huge}`,
      'workflow=%E2%80%AEweiv%C3%A9r',
      'workflow=review%00',
      "workflow=review'%20OR%20'1'%3D'1",
      'record=account:acc_01JD%27%20OR%201%3D1--',
      'record=../../etc/passwd',
      'record=quote:%7B%22%24ne%22%3Anull%7D',
      'status=%3Cscript%3E',
      'status=running',
      'limit=-1',
      'limit=1e9',
      'cursor=e30',
      `cursor=${Buffer.from(JSON.stringify({ f: 'aaaaaaaaaaaaaaaa', w: { review: { t: 'x' } } })).toString('base64url')}`,
      'workflow=express',
      'colour=red',
    ];
    for (const query of cases) expectProblem(await hub.api.get(`/v1/executions?${query}`), 400);
    // Past the HTTP server's header limit the request never reaches a handler: still a 4xx.
    const tooLong = await hub.api.get(`/v1/executions?workflow=${'x'.repeat(40_000)}`);
    expect(tooLong.status).toBeGreaterThanOrEqual(400);
    expect(tooLong.status).toBeLessThan(500);
  });

  it('refuses a cursor from a list with other filters', async () => {
    const first = await hub.api.get('/v1/executions?limit=1');
    const cursor = encodeURIComponent(first.body.nextCursor);
    expectProblem(await hub.api.get(`/v1/executions?limit=1&status=FAILED&cursor=${cursor}`), 400);
    expectProblem(
      await hub.api.get(`/v1/executions?limit=1&record=account:${accountId}&cursor=${cursor}`),
      400,
    );
  });
});
