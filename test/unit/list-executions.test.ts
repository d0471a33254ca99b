/**
 * Listing executions: one list per state machine merged newest first, resumed by cursor across
 * pages of both our API and Step Functions; a record's executions through its links.
 */
import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  type ListExecutionsCommandInput,
  SFNClient,
  StateMachineTypeNotSupported,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stepFunctionsReader } from '#connectors/stepfunctions/execution-reader';
import { executionId, parseExecutionId } from '#functions/executions/domain/execution-id';
import type { ExecutionDeps, ExecutionLinks } from '#functions/executions/ports';
import { listExecutions } from '#functions/executions/use-cases/list-executions.use-case';
import type { DomainError } from '#functions/shared/errors';
import { problemOf } from '#functions/shared/problem';
import { ExecutionPage } from '#schemas/execution';
import type { ExecutionLink } from '#store/execution-links';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-central-1' });
const PREFIX = 'arn:aws:states:eu-central-1:123456789012';
const MACHINES = {
  'lead-routing': `${PREFIX}:stateMachine:LeadRouting-1`,
  'quote-approval': `${PREFIX}:stateMachine:QuoteApproval-1`,
  'campaign-send': `${PREFIX}:stateMachine:CampaignSend-1`,
};
const QUOTE = 'quo_01JD0000000000000000000001';

interface FakeExecution {
  machine: string;
  name: string;
  status: string;
  start: number;
}

let executions: FakeExecution[];
const arnOf = (e: FakeExecution) => `${e.machine.replace(':stateMachine:', ':execution:')}:${e.name}`;

/** ListExecutions as Step Functions answers it: newest first, pages by opaque tokens. */
function serveStepFunctions() {
  sfn.on(ListExecutionsCommand).callsFake((input: ListExecutionsCommandInput) => {
    if (input.stateMachineArn === MACHINES['campaign-send'])
      throw new StateMachineTypeNotSupported({ message: 'EXPRESS', $metadata: {} });
    const all = executions
      .filter((e) => e.machine === input.stateMachineArn)
      .filter((e) => !input.statusFilter || e.status === input.statusFilter)
      .sort((a, b) => b.start - a.start);
    // A token names the execution the page starts at, as a key-based token would.
    const from = input.nextToken ? all.findIndex((e) => e.name === input.nextToken) : 0;
    const page = all.slice(from, from + (input.maxResults ?? 100));
    const next = all[from + page.length];
    return {
      executions: page.map((e) => ({
        executionArn: arnOf(e),
        stateMachineArn: e.machine,
        name: e.name,
        status: e.status,
        startDate: new Date(e.start),
      })),
      ...(next ? { nextToken: next.name } : {}),
    };
  });
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const e = executions.find((x) => arnOf(x) === executionArn);
    if (!e) throw new ExecutionDoesNotExist({ message: 'none', $metadata: {} });
    return {
      executionArn,
      stateMachineArn: e.machine,
      name: e.name,
      status: e.status,
      startDate: new Date(e.start),
    };
  });
}

let links: ExecutionLink[];
function deps(): ExecutionDeps {
  const fake: ExecutionLinks = {
    recordOf: async () => undefined,
    recordsOf: async (keys) =>
      new Map(
        links
          .filter((l) => keys.some((k) => k.workflow === l.workflow && k.name === l.name))
          .map((l) => [`${l.workflow}#${l.name}`, l.record]),
      ),
    forRecord: async (record, options) => {
      const mine = links
        .filter((l) => l.record.id === record.id && (!options.workflow || l.workflow === options.workflow))
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      const from = options.cursor ? Number(options.cursor) : 0;
      const page = mine.slice(from, from + options.limit);
      return {
        items: page,
        nextCursor: from + page.length < mine.length ? String(from + page.length) : null,
      };
    },
    callbacks: async () => new Map(),
  };
  return {
    reader: stepFunctionsReader(() => client),
    links: fake,
    workflows: new Map(Object.entries(MACHINES)),
    // Small Step Functions pages, so a page of ours spans several of theirs.
    listPageSize: 2,
    now: () => new Date(),
  };
}

const T0 = Date.parse('2025-03-01T09:00:00.000Z');
beforeEach(() => {
  sfn.reset();
  links = [];
  executions = [];
  // Interleaved in time: lead routing at even minutes, quote approval at odd ones.
  for (let i = 0; i < 7; i++)
    executions.push({
      machine: MACHINES['lead-routing'],
      name: `lead-${i}`,
      status: i % 3 ? 'SUCCEEDED' : 'RUNNING',
      start: T0 + 2 * i * 60_000,
    });
  for (let i = 0; i < 5; i++)
    executions.push({
      machine: MACHINES['quote-approval'],
      name: `apr-${i}`,
      status: i % 2 ? 'FAILED' : 'RUNNING',
      start: T0 + (2 * i + 1) * 60_000,
    });
  serveStepFunctions();
});

async function everyPage(query: Record<string, string>) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listExecutions(deps(), { ...query, ...(cursor ? { cursor } : {}) });
    expect(ExecutionPage.safeParse(page).success).toBe(true);
    seen.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { seen, pages };
}

const newestFirst = (filter: (e: FakeExecution) => boolean) =>
  executions
    .filter(filter)
    .sort((a, b) => b.start - a.start)
    .map((e) =>
      executionId(e.machine === MACHINES['lead-routing'] ? 'lead-routing' : 'quote-approval', e.name),
    );

describe('listing across workflows', () => {
  it('merges every workflow newest first and pages through all of them exactly once', async () => {
    const { seen, pages } = await everyPage({ limit: '3' });

    expect(seen).toEqual(newestFirst(() => true));
    expect(pages).toBe(4);
  });

  it('leaves out Express workflows, whose executions Step Functions does not keep', async () => {
    const page = await listExecutions(deps(), { limit: '100' });

    expect(page.items.some((item) => item.workflow === 'campaign-send')).toBe(false);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by workflow and by status with Step Functions’ own filter', async () => {
    const byWorkflow = await everyPage({ workflow: 'quote-approval', limit: '2' });
    const running = await everyPage({ status: 'RUNNING', limit: '2' });

    expect(byWorkflow.seen).toEqual(newestFirst((e) => e.machine === MACHINES['quote-approval']));
    expect(running.seen).toEqual(newestFirst((e) => e.status === 'RUNNING'));
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { statusFilter: 'RUNNING' });
  });

  it('skips nothing when an execution already listed changes status before the next page', async () => {
    const first = await listExecutions(deps(), { status: 'RUNNING', limit: '2' });
    // The newest running execution finishes: it drops out of the page the cursor re-reads.
    const finished = executions.find((e) => e.name === first.items[0]?.name) as FakeExecution;
    finished.status = 'SUCCEEDED';
    const rest = await everyPage({ status: 'RUNNING', limit: '2', cursor: first.nextCursor as string });
    const wanted = newestFirst((e) => e.status === 'RUNNING' || e === finished);

    expect([...first.items.map((i) => i.id), ...rest.seen]).toEqual(wanted);
  });

  it('shows each execution’s record where it was started for one', async () => {
    links.push({
      workflow: 'quote-approval',
      name: 'apr-4',
      executionArn: arnOf(executions.find((e) => e.name === 'apr-4') as FakeExecution),
      record: { type: 'quote', id: QUOTE },
      startedAt: new Date(T0).toISOString(),
    });
    const page = await listExecutions(deps(), { workflow: 'quote-approval', limit: '1' });

    expect(page.items[0]).toMatchObject({
      id: 'quote-approval.apr-4',
      record: { type: 'quote', id: QUOTE, href: `/v1/quotes/${QUOTE}` },
      href: '/v1/executions/quote-approval.apr-4',
    });
  });
});

describe('listing a record’s executions', () => {
  beforeEach(() => {
    for (const e of executions.filter((x) => x.machine === MACHINES['quote-approval']))
      links.push({
        workflow: 'quote-approval',
        name: e.name,
        executionArn: arnOf(e),
        record: { type: 'quote', id: QUOTE },
        startedAt: new Date(e.start).toISOString(),
      });
    // Linked but never started, and linked to a workflow this function is not given.
    links.push({
      workflow: 'quote-approval',
      name: 'never',
      executionArn: `${PREFIX}:execution:QuoteApproval-1:never`,
      record: { type: 'quote', id: QUOTE },
      startedAt: new Date(T0 + 10 * 60_000).toISOString(),
    });
    links.push({
      workflow: 'order-to-cash',
      name: 'o-1',
      executionArn: `${PREFIX}:execution:Orders:o-1`,
      record: { type: 'quote', id: QUOTE },
      startedAt: new Date(T0 + 20 * 60_000).toISOString(),
    });
  });

  it('lists the executions started for it, newest first, with their status from Step Functions', async () => {
    const { seen } = await everyPage({ record: `quote:${QUOTE}`, limit: '2' });

    expect(seen).toEqual(newestFirst((e) => e.machine === MACHINES['quote-approval']));
  });

  it('narrows by status after reading the status', async () => {
    const { seen } = await everyPage({ record: `quote:${QUOTE}`, status: 'FAILED', limit: '2' });

    expect(seen).toEqual(
      newestFirst((e) => e.machine === MACHINES['quote-approval'] && e.status === 'FAILED'),
    );
  });
});

describe('bad queries', () => {
  const refused = async (query: Record<string, string>) => {
    const error = problemOf((await listExecutions(deps(), query).catch((e: unknown) => e)) as DomainError);
    expect(error.status, JSON.stringify(query)).toBe(400);
    return error;
  };

  it('refuses unknown parameters, unknown workflows, statuses and record types, and ids of another type', async () => {
    await refused({ colour: 'red' });
    expect((await refused({ workflow: 'order-to-cash' })).detail).toContain(
      'known: campaign-send, lead-routing, quote-approval',
    );
    await refused({ workflow: 'Quote Approval' });
    await refused({ status: 'running' });
    await refused({ record: 'quote' });
    await refused({ record: `invoice:${QUOTE}` });
    await refused({ record: 'quote:acc_01JD0000000000000000000001' });
    await refused({ limit: '0' });
    await refused({ workflow: 'campaign-send' });
  });

  it('refuses a forged cursor, and a cursor from a list with other filters', async () => {
    const page = await listExecutions(deps(), { limit: '2' });
    await refused({ cursor: 'not a cursor' });
    await refused({ cursor: Buffer.from('{"f":"x"}').toString('base64url') });
    await refused({ status: 'RUNNING', cursor: page.nextCursor as string });
    await refused({ record: `quote:${QUOTE}`, cursor: page.nextCursor as string });
  });
});

describe('execution ids', () => {
  it('are readable for names made of URL-safe characters and round-trip for any name', () => {
    expect(executionId('quote-approval', 'apr_01JD.x-1')).toBe('quote-approval.apr_01JD.x-1');
    for (const name of ['apr_01JD.x-1', 'Zürich-Angebot', "o'brien(1)", '💸']) {
      const id = executionId('quote-approval', name);
      expect(id).toMatch(/^[A-Za-z0-9._~-]+$/);
      expect(parseExecutionId(id)).toEqual({ workflow: 'quote-approval', name });
    }
  });

  it('has one id per execution: a needless encoding is not an id', () => {
    const encoded = `quote-approval.~${Buffer.from('apr_1').toString('base64url')}`;

    expect(parseExecutionId(encoded)).toBeUndefined();
  });
});
