/**
 * The quote-approval flow on a test hub: submit starts the workflow on the local Step Functions
 * service, approvers get email (the SES stand-in) and SMS (the SNS stand-in), decisions through
 * the real approval links settle steps, recall stops it all — everything over sockets. Timeouts
 * are in quote-approval-timeouts.test.ts, on a hub whose workflow time runs faster.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowArnVariable } from '#connectors/stepfunctions/client';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import type { ApprovalStore } from '#store/approval-store';
import { RecordStore } from '#store/record-store';
import { approvalStore } from '../support/approvals.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import {
  approvalWith,
  createOrg,
  createPolicy,
  createQuote,
  decideByLink,
  discountPolicy,
  emailAbout,
  eventually,
  inbox,
  keyFor,
  linkIds,
  type Org,
  outbox,
} from '../support/quote-approval.ts';

let hub: TestHub;
let org: Org;
let sfn: SFNClient;
let inactiveFallback: string;

const MAX_PHONE = '+4915112340002';
const FIONA_PHONE = '+4915112340005';

beforeAll(async () => {
  hub = await startTestHub();
  sfn = new SFNClient({ endpoint: hub.urls.sfn });
  org = await createOrg(hub, 'qa');
  await createPolicy(hub, discountPolicy(org));
  const ivan = await hub.api.post('/v1/users', {
    name: 'Ivan Inactive',
    email: 'ivan.qa@example.com',
    role: 'admin',
    active: false,
  });
  inactiveFallback = ivan.body.id;
  // US-dollar quotes go three levels up, where nobody is, and the fallback has left.
  await createPolicy(hub, {
    name: 'US deals',
    priority: 1,
    appliesWhen: { fact: 'currency', op: 'eq', value: 'USD' },
    steps: [{ name: 'Vice president', approvers: [{ type: 'manager', level: 3 }] }],
    fallbackApproverId: inactiveFallback,
  });
});
afterAll(async () => {
  sfn?.destroy();
  await hub?.stop();
});

const submit = (quoteId: string, options: Parameters<TestHub['api']['post']>[2] = { key: org.anaKey }) =>
  hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, options);

const history = async (quoteId: string) =>
  (await hub.api.get(`/v1/quotes/${quoteId}/history?limit=100`)).body.items as {
    action: string;
    channel: string;
    summary?: string;
    context?: Record<string, unknown>;
  }[];

const quoteName = async (quoteId: string) => String((await hub.api.get(`/v1/quotes/${quoteId}`)).body.name);

describe('submitting a quote for approval', () => {
  it('does not ask the manager who submits a quote owned by their report: the fallback approver is asked', async () => {
    const quoteId = await createQuote(hub, org, 14);
    const name = await quoteName(quoteId);
    const maxKey = await keyFor(hub, 'manager', org.ids.max);

    const submitted = await submit(quoteId, { key: maxKey });
    const toAda = await emailAbout(hub, org.emails.ada, name);

    expect(submitted.status, submitted.text).toBe(202);
    expect(toAda.body.text).toContain(
      'Max Manager (manager of Ana Seller (level 1)) submitted or owns the quote',
    );
    const approval = await hub.api.get(`/v1/quotes/${quoteId}/approval`);
    expect(approval.body.submittedBy).toMatchObject({ userId: org.ids.max });
    expect(approval.body.facts).toMatchObject({
      discountPercent: 14,
      accountTier: 'gold',
      accountCountry: 'DE',
      hasCustomLines: false,
    });
    const asked = (approval.body.steps as { approvers: { userId: string }[] }[]).flatMap((s) =>
      s.approvers.map((a) => a.userId),
    );
    expect(asked).not.toContain(org.ids.max);
    expect((await inbox(hub, org.emails.max)).filter((e) => e.subject.includes(name))).toEqual([]);
  });

  it('asks the manager by email and SMS, records each message, and approves the quote when they approve', async () => {
    const quoteId = await createQuote(hub, org, 15);
    const name = await quoteName(quoteId);
    const smsBefore = (await outbox(hub, MAX_PHONE)).length;

    const submitted = await submit(quoteId);
    const email = await emailAbout(hub, org.emails.max, name);
    const sms = await eventually(async () => (await outbox(hub, MAX_PHONE))[smsBefore], 'the SMS to Max');

    expect(submitted.status, submitted.text).toBe(202);
    expect(submitted.body).toMatchObject({
      quoteId,
      status: 'pending',
      policy: { name: 'Discounts', version: 1 },
    });
    expect(submitted.headers.get('location')).toBe(`/v1/quotes/${quoteId}/approval`);
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('pending_approval');
    expect(email.subject).toBe(`Approval needed: ${name} for Acme Europe GmbH (15% discount)`);
    for (const part of [email.body.text, email.body.html]) {
      expect(part).toContain('€8,500.00'); // 10 × €1,000 less 15 %, no tax
      expect(part).toContain('manager of Ana Seller (level 1)');
    }
    const [link] = linkIds(email.body.text);
    expect(sms).toMatchObject({ smsType: 'Transactional', status: 'delivered' });
    expect(sms.message).toMatch(/Reply YES (\d{6}) or NO \1\./);
    expect(linkIds(sms.message)).toEqual([link]);

    const decided = await decideByLink(hub, link as string, 'approve', 'fine for Q4');
    const run = await approvalWith(hub, quoteId, 'approved');

    expect(decided.status).toBe(200);
    expect(run.steps.map((s: { status: string }) => s.status)).toEqual(['approved', 'skipped']);
    expect(run.steps[0].requests).toEqual([
      expect.objectContaining({ approverName: 'Max Manager', status: 'decided', channels: ['email', 'sms'] }),
    ]);
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('approved');
    const entries = await history(quoteId);
    const actions = entries.map((e) => `${e.action}/${e.channel}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'submitted-for-approval/api',
        'approval-requested/email',
        'approval-requested/sms',
        'approval-approved/email',
        'approval-run-approved/workflow',
      ]),
    );
    expect(entries.find((e) => e.action === 'approval-run-approved')?.summary).toBe(
      'Approved under policy “Discounts” v1: Max Manager approved “Manager”: “fine for Q4”',
    );
  });

  it('asks every approver of an "all" step, shows them earlier decisions, and needs each approval', async () => {
    const quoteId = await createQuote(hub, org, 30);
    const name = await quoteName(quoteId);
    await submit(quoteId);
    const [managerLink] = linkIds((await emailAbout(hub, org.emails.max, name)).body.text);
    await decideByLink(hub, managerLink as string, 'approve', 'ok from sales');

    const toDana = await emailAbout(hub, org.emails.dana, name);
    const toFiona = await emailAbout(hub, org.emails.fiona, name);
    expect(toDana.body.text).toContain('Step 2 of 2: Director and finance');
    expect(toDana.body.text).toContain('Manager: approved by Max Manager — “ok from sales”');
    expect(toFiona.body.text).toContain('role finance');

    await decideByLink(hub, linkIds(toDana.body.text)[0] as string, 'approve');
    const halfway = await hub.api.get(`/v1/quotes/${quoteId}/approval`);
    expect(halfway.body).toMatchObject({ status: 'pending', currentStep: 1 });

    await decideByLink(hub, linkIds(toFiona.body.text)[0] as string, 'approve');
    await approvalWith(hub, quoteId, 'approved');
  });

  it('rejects the quote when an approver rejects, and tells the submitter why', async () => {
    const quoteId = await createQuote(hub, org, 20);
    const name = await quoteName(quoteId);
    await submit(quoteId);
    const [link] = linkIds((await emailAbout(hub, org.emails.max, name)).body.text);

    await decideByLink(hub, link as string, 'reject', 'margin too thin');
    const run = await approvalWith(hub, quoteId, 'rejected');
    // Submitted with the sales key, which is no person: the quote's owner hears the outcome.
    const outcome = await emailAbout(hub, org.emails.ana, name, 'rejected');

    expect(run.steps[0].status).toBe('rejected');
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('rejected');
    expect(outcome.body.text).toContain('Manager: rejected by Max Manager — “margin too thin”');
  });

  it('asks exactly the steps and approvers the dry run showed', async () => {
    const quoteId = await createQuote(hub, org, 30);
    const dryRun = await hub.api.post(
      '/v1/admin/approval-policies/simulate',
      { quoteId },
      { key: org.anaKey },
    );
    const run = (await submit(quoteId)).body;

    const planned = dryRun.body.steps.map((s: Record<string, unknown>) => ({
      name: s.name,
      applies: s.applies,
      required: s.required,
      approvers: (s.approvers as Record<string, unknown>[]).map((a) => ({ id: a.userId, reason: a.reason })),
    }));
    const asked = run.steps.map((s: Record<string, unknown>) => ({
      name: s.name,
      applies: s.applies,
      required: s.required,
      approvers: (s.approvers as Record<string, unknown>[]).map((a) => ({ id: a.userId, reason: a.reason })),
    }));
    expect(asked).toEqual(planned);
    expect(run.policy).toEqual({
      id: dryRun.body.policy.id,
      version: dryRun.body.policy.version,
      name: 'Discounts',
    });
    const email = await emailAbout(hub, org.emails.max, await quoteName(quoteId));
    expect(email.body.text).toContain(planned[0].approvers[0].reason);
  });

  it('keeps a quote in flight on the policy version it was submitted under', async () => {
    const policyId = await createPolicy(hub, {
      name: 'Pounds',
      priority: 2,
      appliesWhen: { fact: 'currency', op: 'eq', value: 'GBP' },
      steps: [
        { name: 'Manager', approvers: [{ type: 'manager', level: 1 }] },
        { name: 'Finance', approvers: [{ type: 'role', role: 'finance' }] },
      ],
      fallbackApproverId: org.ids.ada,
    });
    const quote = await hub.api.post('/v1/quotes', {
      name: `Pounds ${Date.now()}`,
      accountId: org.accountId,
      ownerId: org.ids.ana,
      currency: 'GBP',
      validUntil: '2030-01-31',
      lines: [{ description: 'Consulting', quantity: 1, unitPrice: 500_000 }],
    });
    const run = (await submit(quote.body.id)).body;
    const changed = await hub.api.post(`/v1/admin/approval-policies/${policyId}/versions`, {
      activate: true,
      content: {
        name: 'Pounds',
        priority: 2,
        appliesWhen: { fact: 'currency', op: 'eq', value: 'GBP' },
        steps: [{ name: 'Director', approvers: [{ type: 'user', userId: org.ids.dana }] }],
        fallbackApproverId: org.ids.ada,
      },
    });
    expect(changed.status).toBe(201);

    const [link] = linkIds((await emailAbout(hub, org.emails.max, quote.body.name)).body.text);
    await decideByLink(hub, link as string, 'approve');
    const toFinance = await emailAbout(hub, org.emails.fiona, quote.body.name);

    expect(run.policy).toEqual({ id: policyId, version: 1, name: 'Pounds' });
    expect(toFinance.body.text).toContain('Step 2 of 2: Finance');
    expect((await inbox(hub, org.emails.dana)).filter((e) => e.subject.includes(quote.body.name))).toEqual(
      [],
    );
  });

  it('asks the fallback approver, saying why, when an approver cannot be resolved', async () => {
    const quoteId = await createQuote(hub, org, 15, { ownerId: org.ids.otto });
    const run = (await submit(quoteId, { key: await keyFor(hub, 'manager', org.ids.otto) })).body;
    const email = await emailAbout(hub, org.emails.ada, await quoteName(quoteId));

    expect(run.steps[0].approvers).toEqual([
      { userId: org.ids.ada, name: 'Ada Admin', reason: 'fallback: Otto Outlier has no manager at level 1' },
    ]);
    expect(run.steps[0].unresolved).toEqual(['Otto Outlier has no manager at level 1']);
    expect(email.body.text).toContain('fallback: Otto Outlier has no manager at level 1');
  });

  it('refuses with 422 when nobody at all can approve, and changes nothing', async () => {
    const quote = await hub.api.post('/v1/quotes', {
      name: 'US deal',
      accountId: org.accountId,
      ownerId: org.ids.ana,
      currency: 'USD',
      validUntil: '2030-01-31',
      lines: [{ description: 'Consulting', quantity: 1, unitPrice: 500_000 }],
    });
    const before = await hub.api.get(`/v1/quotes/${quote.body.id}`);
    const historyBefore = await history(quote.body.id);

    const response = await submit(quote.body.id);

    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ type: '/problems/no-approver' });
    expect(response.body.detail).toContain('the fallback approver is inactive');
    expect((await hub.api.get(`/v1/quotes/${quote.body.id}`)).body).toEqual(before.body);
    expect(await history(quote.body.id)).toEqual(historyBefore);
    expect((await hub.api.get(`/v1/quotes/${quote.body.id}/approval`)).status).toBe(404);
  });

  it('approves at once, saying why, when no policy applies', async () => {
    const quoteId = await createQuote(hub, org, 5);

    const response = await submit(quoteId);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'approved', policy: null, steps: [] });
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('approved');
    expect((await history(quoteId))[0]).toMatchObject({
      action: 'approval-not-needed',
      summary: 'Approved without approval: no active approval policy applies',
    });
  });
});

describe('delegation', () => {
  it('asks the delegate of an approver who is out of office at submit, on their behalf', async () => {
    const now = Date.now();
    await hub.api.patch(`/v1/users/${org.ids.max}`, {
      outOfOffice: {
        from: new Date(now - 3_600_000).toISOString(),
        until: new Date(now + 86_400_000).toISOString(),
        delegateId: org.ids.otto,
      },
    });
    try {
      const quoteId = await createQuote(hub, org, 15);
      const run = (await submit(quoteId)).body;
      const email = await emailAbout(hub, org.emails.otto, await quoteName(quoteId));

      expect(run.steps[0].approvers).toEqual([
        expect.objectContaining({
          userId: org.ids.otto,
          onBehalfOf: { userId: org.ids.max, name: 'Max Manager' },
        }),
      ]);
      expect(email.body.text).toContain(
        'On behalf of Max Manager: delegate of Max Manager, who is out of office',
      );
      const asked = await eventually(async () => {
        const view = await hub.api.get(`/v1/quotes/${quoteId}/approval`);
        return view.body.steps[0].requests[0];
      }, 'the request');
      expect(asked).toMatchObject({ approverId: org.ids.otto, onBehalfOf: { userId: org.ids.max } });
    } finally {
      await hub.api.patch(`/v1/users/${org.ids.max}`, { outOfOffice: null });
    }
  });

  it('honours an absence that began after the submit, when the step is reached', async () => {
    const quoteId = await createQuote(hub, org, 30);
    const name = await quoteName(quoteId);
    const run = (await submit(quoteId)).body;
    expect(run.steps[1].approvers.map((a: { userId: string }) => a.userId)).toContain(org.ids.dana);

    const now = Date.now();
    await hub.api.patch(`/v1/users/${org.ids.dana}`, {
      outOfOffice: {
        from: new Date(now - 60_000).toISOString(),
        until: new Date(now + 86_400_000).toISOString(),
        delegateId: org.ids.otto,
      },
    });
    try {
      const [managerLink] = linkIds((await emailAbout(hub, org.emails.max, name)).body.text);
      await decideByLink(hub, managerLink as string, 'approve');
      const toOtto = await emailAbout(hub, org.emails.otto, name);

      expect(toOtto.body.text).toContain(
        'On behalf of Dana Director: delegate of Dana Director, who is out of office',
      );
      const view = await eventually(async () => {
        const body = (await hub.api.get(`/v1/quotes/${quoteId}/approval`)).body;
        return body.steps[1].requests.length === 2 ? body : undefined;
      }, 'both requests of step 2');
      expect(view.steps[1].requests.map((r: { approverId: string }) => r.approverId).sort()).toEqual(
        [org.ids.otto, org.ids.fiona].sort(),
      );
      expect((await inbox(hub, org.emails.dana)).filter((e) => e.subject.includes(name))).toEqual([]);
    } finally {
      await hub.api.patch(`/v1/users/${org.ids.dana}`, { outOfOffice: null });
    }
  });
});

describe('recall', () => {
  it('stops the execution, closes the links, and puts the quote back to draft', async () => {
    const quoteId = await createQuote(hub, org, 15);
    const run = (await submit(quoteId)).body;
    const [link] = linkIds((await emailAbout(hub, org.emails.max, await quoteName(quoteId))).body.text);

    const recalled = await hub.api.post(`/v1/quotes/${quoteId}/recall`, undefined, { key: org.anaKey });

    expect(recalled.status, recalled.text).toBe(200);
    expect(recalled.body).toMatchObject({ id: run.id, status: 'recalled', currentStep: null });
    expect(recalled.body.steps[0].requests).toEqual([
      expect.objectContaining({ status: 'closed', closedReason: 'recalled' }),
    ]);
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('draft');
    const machine = hub.stateMachines.find((m) => m.name === 'quote-approval');
    const execution = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${machine?.arn.replace(':stateMachine:', ':execution:')}:${run.id}`,
      }),
    );
    expect(execution.status).toBe('ABORTED');
    const executions = await hub.api.get(`/v1/executions?record=quote:${quoteId}`);
    expect(executions.body.items).toEqual([
      expect.objectContaining({ workflow: 'quote-approval', name: run.id, status: 'ABORTED' }),
    ]);
    const page = await fetch(`${hub.urls.api}/approvals/${link}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('recalled');
    expect((await history(quoteId))[0]).toMatchObject({ action: 'approval-recalled', channel: 'api' });
  });

  it('is refused to another seller, and to a quote that is not pending', async () => {
    const quoteId = await createQuote(hub, org, 15);
    await submit(quoteId);
    const ben = await keyFor(hub, 'sales', org.ids.ben);

    const byBen = await hub.api.post(`/v1/quotes/${quoteId}/recall`, undefined, { key: ben });
    const byManager = await hub.api.post(`/v1/quotes/${quoteId}/recall`, undefined, { as: 'manager' });
    const again = await hub.api.post(`/v1/quotes/${quoteId}/recall`, undefined, { as: 'manager' });
    const never = await hub.api.post(`/v1/quotes/${await createQuote(hub, org, 15)}/recall`, undefined, {
      as: 'sales',
    });

    expect(byBen.status).toBe(403);
    expect(byManager.status).toBe(200);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('/problems/not-pending');
    expect(never.status).toBe(404);
  });
});

describe('a quote pending approval', () => {
  it('cannot be edited or archived, and says why', async () => {
    const quoteId = await createQuote(hub, org, 15);
    await submit(quoteId);
    const before = await hub.api.get(`/v1/quotes/${quoteId}`);

    const patch = await hub.api.patch(`/v1/quotes/${quoteId}`, { discountPercent: 50 });
    const archive = await hub.api.delete(`/v1/quotes/${quoteId}`);

    expect(patch.status).toBe(409);
    expect(patch.headers.get('content-type')).toBe('application/problem+json');
    expect(patch.body.detail).toContain('pending approval; recall it before editing');
    expect(archive.status).toBe(409);
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body).toEqual(before.body);
  });

  it('is submitted once: a retry with the same Idempotency-Key replays, a second submit gets 409', async () => {
    const quoteId = await createQuote(hub, org, 15);
    const headers = { 'idempotency-key': `submit-${quoteId}` };

    const first = await submit(quoteId, { key: org.anaKey, headers });
    const retry = await submit(quoteId, { key: org.anaKey, headers });
    const second = await submit(quoteId);

    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: '/problems/already-submitted', approvalId: first.body.id });
    expect((await history(quoteId)).filter((e) => e.action === 'submitted-for-approval')).toHaveLength(1);
  });

  it('is submitted once when several submits race', async () => {
    const quoteId = await createQuote(hub, org, 15);

    const responses = await Promise.all([1, 2, 3, 4].map(() => submit(quoteId)));

    expect(responses.map((r) => r.status).sort()).toEqual([202, 409, 409, 409]);
    expect((await history(quoteId)).filter((e) => e.action === 'submitted-for-approval')).toHaveLength(1);
  });
});

describe('starting the workflow', () => {
  it('undoes the submit when the workflow cannot start: the quote back in draft, a 503 to retry', async () => {
    const quoteId = await createQuote(hub, org, 15);
    const variable = workflowArnVariable('quote-approval');
    const arn = process.env[variable] as string;
    // The hub runs the handlers in this process: point them at a state machine that does not exist.
    process.env[variable] = arn.replace(/quote-approval$/, 'no-such-workflow');
    let response: Awaited<ReturnType<typeof submit>>;
    try {
      response = await submit(quoteId);
    } finally {
      process.env[variable] = arn;
    }

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('draft');
    expect((await hub.api.get(`/v1/quotes/${quoteId}/approval`)).body).toMatchObject({
      status: 'failed',
      finishReason: 'The approval workflow could not be started (StateMachineDoesNotExist).',
    });
    expect((await history(quoteId))[0]).toMatchObject({ action: 'submission-undone' });
    expect((await submit(quoteId)).status).toBe(202);
  });

  it('resumes a submit that stopped between writing the run and starting its workflow', async () => {
    const quoteId = await createQuote(hub, org, 15);
    const plan = (
      await hub.api.post('/v1/admin/approval-policies/simulate', { quoteId }, { key: org.anaKey })
    ).body;
    // What a submit leaves behind when its process dies before StartExecution, two minutes ago.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: hub.urls.dynamodb }));
    const records = new RecordStore(documents, hub.tables.records);
    const quote = await records.get('quote', quoteId);
    if (!quote) throw new Error('quote missing');
    const at = new Date(Date.now() - 120_000).toISOString();
    const approvalId = 'apr_01JD0000000000000000000RSM';
    const approvals: ApprovalStore = approvalStore(hub);
    await records.replace(
      RECORD_TYPES.quote,
      quote,
      { ...quote, status: 'pending_approval', version: quote.version + 1, updatedAt: at },
      {
        id: '01JD0000000000000000000RSM',
        recordType: 'quote',
        recordId: quoteId,
        version: quote.version + 1,
        action: 'submitted-for-approval',
        at,
        actor: { id: 'test', name: 'Test', kind: 'system' },
        channel: 'api',
        changes: [],
      },
      approvals.runItems(
        {
          id: approvalId,
          quoteId,
          policy: { id: plan.policy.id, version: plan.policy.version, name: plan.policy.name },
          submittedBy: { userId: org.ids.ana, name: 'Ana Seller' },
          submittedAt: at,
          requesterId: org.ids.ana,
          status: 'pending',
          stepCount: 1,
          fallbackApproverId: org.ids.ada,
        },
        [
          {
            approvalId,
            index: 0,
            name: 'Manager',
            status: 'waiting',
            required: 1,
            mode: 'any',
            applies: true,
            why: [],
            approvers: [
              { userId: org.ids.max, name: 'Max Manager', reason: 'manager of Ana Seller (level 1)' },
            ],
            unresolved: [],
            reminders: 0,
            escalations: 0,
            decisions: [],
          },
        ],
      ),
    );

    const resumed = await submit(quoteId);
    const email = await emailAbout(hub, org.emails.max, await quoteName(quoteId));

    expect(resumed.status).toBe(202);
    expect(resumed.body.id).toBe(approvalId);
    expect(email.body.text).toContain('manager of Ana Seller (level 1)');
  });
});

describe('refusals', () => {
  it('answers unknown quotes with 404, a stale If-Match with 412, decided and expired quotes clearly', async () => {
    const quoteId = await createQuote(hub, org, 15);
    const stale = await submit(quoteId, { key: org.anaKey, headers: { 'if-match': '"999"' } });
    const expired = await createQuote(hub, org, 15, { validUntil: '2020-01-31' });
    const approved = await createQuote(hub, org, 5);
    await submit(approved);

    expect((await submit('quo_01JD0000000000000000000000')).status).toBe(404);
    expect((await submit('../../etc/passwd')).status).toBe(404);
    expect(stale.status).toBe(412);
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('draft');
    const late = await submit(expired);
    expect(late.status).toBe(422);
    expect(late.body.errors).toEqual([expect.objectContaining({ pointer: '/validUntil' })]);
    const twice = await submit(approved);
    expect(twice.status).toBe(409);
    expect(twice.body.type).toBe('/problems/not-draft');
    expect((await submit(quoteId, { as: 'finance' })).status).toBe(403);
  });
});

describe('an approved quote', () => {
  it('goes back to draft when its price changes, and the history says so; other edits keep it approved', async () => {
    const quoteId = await createQuote(hub, org, 5);
    await submit(quoteId);

    const renamed = await hub.api.patch(`/v1/quotes/${quoteId}`, { name: 'Renamed deal' });
    const repriced = await hub.api.patch(`/v1/quotes/${quoteId}`, { discountPercent: 3 });

    expect(renamed.body.status).toBe('approved');
    expect(repriced.body.status).toBe('draft');
    expect((await history(quoteId))[0]).toMatchObject({
      action: 'update',
      summary:
        'Back to draft: its price, terms, account, owner, contact or validity changed after it was approved, so it needs approval again',
    });
  });
});

describe('an approved quote changing hands', () => {
  it.each([
    [
      'moved to another account',
      async () => ({
        accountId: (await hub.api.post('/v1/accounts', { name: 'Other SARL', country: 'FR' })).body.id,
      }),
    ],
    ['given another owner', async () => ({ ownerId: org.ids.ben })],
    ['valid for longer', async () => ({ validUntil: '2031-01-31' })],
  ])('returns to draft when %s', async (_, patch) => {
    const quoteId = await createQuote(hub, org, 5);
    expect((await submit(quoteId)).body.status).toBe('approved');

    const changed = await hub.api.patch(`/v1/quotes/${quoteId}`, await patch());

    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.status).toBe('draft');
    expect((await history(quoteId))[0]?.summary).toMatch(/^Back to draft: /);
  });
});

describe('an approved quote whose account changes', () => {
  const accountWithQuotes = async () => {
    const account = await hub.api.post('/v1/accounts', {
      name: `Tiered ${Math.random()}`,
      tier: 'gold',
      country: 'DE',
    });
    const approved = await createQuote(hub, org, 5, { accountId: account.body.id });
    expect((await submit(approved)).body.status).toBe('approved');
    const draft = await createQuote(hub, org, 5, { accountId: account.body.id });
    return { accountId: account.body.id as string, approved, draft };
  };

  it('returns to draft when the account’s tier or country changes, saying why; other edits keep it approved', async () => {
    const { accountId, approved, draft } = await accountWithQuotes();
    const elsewhere = await createQuote(hub, org, 5);
    await submit(elsewhere);
    const draftBefore = (await hub.api.get(`/v1/quotes/${draft}`)).body;

    const renamed = await hub.api.patch(`/v1/accounts/${accountId}`, { name: 'Renamed GmbH' });
    const stillApproved = (await hub.api.get(`/v1/quotes/${approved}`)).body.status;
    const retiered = await hub.api.patch(`/v1/accounts/${accountId}`, { tier: 'silver', country: 'AT' });

    expect(renamed.status).toBe(200);
    expect(stillApproved).toBe('approved');
    expect(retiered.status, retiered.text).toBe(200);
    expect((await hub.api.get(`/v1/quotes/${approved}`)).body.status).toBe('draft');
    expect((await history(approved))[0]).toMatchObject({
      action: 'update',
      summary:
        "Back to draft: the account's tier changed from gold to silver and the account's country changed from DE to AT after it was approved, so it needs approval again",
    });
    expect((await hub.api.get(`/v1/quotes/${draft}`)).body).toEqual(draftBefore);
    expect((await hub.api.get(`/v1/quotes/${elsewhere}`)).body.status).toBe('approved');
  });

  it('is refused while a quote of the account is pending approval, and nothing changes', async () => {
    const account = await hub.api.post('/v1/accounts', { name: 'Pending AG', tier: 'gold', country: 'DE' });
    const pending = await createQuote(hub, org, 15, { accountId: account.body.id });
    expect((await submit(pending)).body.status).toBe('pending');

    const refused = await hub.api.patch(`/v1/accounts/${account.body.id}`, { tier: 'standard' });

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: '/problems/approval-pending', quotes: [pending] });
    expect(refused.body.detail).toContain('Recall it first');
    expect((await hub.api.get(`/v1/accounts/${account.body.id}`)).body).toMatchObject({
      tier: 'gold',
      version: 1,
    });
    expect((await hub.api.get(`/v1/quotes/${pending}`)).body.status).toBe('pending_approval');
    await hub.api.post(`/v1/quotes/${pending}/recall`, undefined, { key: org.anaKey });
  });
});

describe('messages', () => {
  it('texts an approver who has a mobile number, and only emails one who has none', async () => {
    const quoteId = await createQuote(hub, org, 30);
    const name = await quoteName(quoteId);
    const fionaTexts = (await outbox(hub, FIONA_PHONE)).length;
    await submit(quoteId);
    const [managerLink] = linkIds((await emailAbout(hub, org.emails.max, name)).body.text);
    await decideByLink(hub, managerLink as string, 'approve');
    await emailAbout(hub, org.emails.dana, name);

    const view = await eventually(async () => {
      const body = (await hub.api.get(`/v1/quotes/${quoteId}/approval`)).body;
      return body.steps[1].requests.length === 2 &&
        body.steps[1].requests.every((r: { channels: string[] }) => r.channels.length)
        ? body
        : undefined;
    }, 'both requests sent');
    const channels = Object.fromEntries(
      view.steps[1].requests.map((r: { approverId: string; channels: string[] }) => [
        r.approverId,
        r.channels,
      ]),
    );
    expect(channels).toEqual({ [org.ids.dana]: ['email'], [org.ids.fiona]: ['email', 'sms'] });
    expect((await outbox(hub, FIONA_PHONE)).length).toBe(fionaTexts + 1);
  });
});
