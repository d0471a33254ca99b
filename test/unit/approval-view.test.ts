import { describe, expect, it } from 'vitest';
import type { ApprovalPlan } from '#functions/approvals/domain/approval-plan';
import type { FlowRequest } from '#functions/approvals/use-cases/approval-flow';
import { finalOf, finishSummary } from '#functions/approvals/use-cases/finish-approval.use-case';
import { submitSummary } from '#functions/approvals/use-cases/submit-quote.use-case';
import { runView } from '#functions/approvals/views/approval-view';
import { ApprovalRunView } from '#schemas/approval-run';
import type { ApprovalRun, ApprovalStep } from '#store/approval-store';

const run: ApprovalRun = {
  id: 'apr_1',
  quoteId: 'quo_1',
  policy: { id: 'apd_1', version: 3, name: 'Discounts' },
  policyWhy: ['discountPercent 30 > 10'],
  submittedBy: { userId: 'usr_ana', name: 'Ana Seller' },
  submittedAt: '2026-03-02T10:00:00.000Z',
  requesterId: 'usr_ana',
  status: 'pending',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:quote-approval:apr_1',
  stepCount: 2,
};

const step = (index: number, overrides: Partial<ApprovalStep> = {}): ApprovalStep => ({
  approvalId: 'apr_1',
  index,
  name: index === 0 ? 'Manager' : 'Finance',
  status: 'open',
  required: 1,
  mode: 'any',
  reminders: 0,
  escalations: 0,
  decisions: [],
  approvers: [{ userId: 'usr_max', name: 'Max Manager', reason: 'manager of Ana Seller (level 1)' }],
  why: [],
  applies: true,
  unresolved: [],
  taskToken: 'SECRET-TASK-TOKEN',
  ...overrides,
});

const request: FlowRequest = {
  linkHash: 'SECRET-LINK-HASH',
  approvalId: 'apr_1',
  quoteId: 'quo_1',
  stepIndex: 0,
  stepName: 'Manager',
  approverId: 'usr_max',
  approverName: 'Max Manager',
  reason: 'manager of Ana Seller (level 1)',
  nonce: 'SECRET-NONCE',
  smsCode: '4821',
  expiresAt: '2026-03-05T10:00:00.000Z',
  status: 'decided',
  decision: 'approve',
  decidedAt: '2026-03-02T11:00:00.000Z',
  createdAt: '2026-03-02T10:00:01.000Z',
  sentAt: '2026-03-02T10:00:02.000Z',
  channels: ['email', 'sms'],
};

describe('the approval run as clients see it', () => {
  const decided = step(0, {
    status: 'approved',
    decisions: [
      {
        approverId: 'usr_max',
        approverName: 'Max Manager',
        decision: 'approve',
        comment: 'ok for Q4',
        at: '2026-03-02T11:00:00.000Z',
        channel: 'email',
        ip: '203.0.113.9',
        userAgent: 'Mobile Safari',
      },
    ],
  });

  it('shows steps, approvers and why, request states and decisions, and matches its documented schema', () => {
    const view = runView(run, [step(1), decided], [request]);

    expect(ApprovalRunView.safeParse(view).success).toBe(true);
    expect(view.currentStep).toBe(1);
    expect(view.steps.map((s) => s.index)).toEqual([0, 1]);
    expect(view.steps[0]?.requests).toEqual([
      expect.objectContaining({ approverName: 'Max Manager', status: 'decided', channels: ['email', 'sms'] }),
    ]);
    expect(view.steps[0]?.decisions[0]).toMatchObject({ comment: 'ok for Q4', channel: 'email' });
  });

  it('never shows link hashes, nonces, reply codes, task tokens or where a decision came from', () => {
    const text = JSON.stringify(runView(run, [decided, step(1)], [request]));

    for (const secret of [
      'SECRET-LINK-HASH',
      'SECRET-NONCE',
      '4821',
      'SECRET-TASK-TOKEN',
      '203.0.113.9',
      'Mobile Safari',
    ])
      expect(text).not.toContain(secret);
    expect(text).not.toContain('executionArn');
  });

  it('has no current step once the run is over', () => {
    expect(runView({ ...run, status: 'recalled' }, [step(0)], []).currentStep).toBeNull();
  });
});

describe('how a run ends', () => {
  it('approves or rejects the quote with the outcome, and sends it back to draft when a step expired or the flow failed', () => {
    expect(finalOf({ approvalId: 'apr_1', outcome: 'approved' }, [])).toEqual({
      run: 'approved',
      quote: 'approved',
    });
    expect(finalOf({ approvalId: 'apr_1', outcome: 'rejected' }, [step(0, { status: 'rejected' })])).toEqual({
      run: 'rejected',
      quote: 'rejected',
    });
    expect(
      finalOf({ approvalId: 'apr_1', outcome: 'rejected' }, [step(0, { status: 'expired' })]),
    ).toMatchObject({
      run: 'expired',
      quote: 'draft',
    });
    expect(
      finalOf({ approvalId: 'apr_1', outcome: 'failed', error: { Error: 'States.Runtime' } }, []),
    ).toMatchObject({
      run: 'failed',
      quote: 'draft',
      reason: expect.stringContaining('States.Runtime'),
    });
  });

  it('writes the decisions and their comments, and timeouts that decided, into the history sentence', () => {
    const steps = [
      step(0, {
        status: 'approved',
        decisions: [
          {
            approverId: 'usr_dana',
            approverName: 'Dana Director',
            onBehalfOf: { userId: 'usr_max', name: 'Max Manager' },
            decision: 'approve',
            comment: 'ok for Q4',
            at: '2026-03-02T11:00:00.000Z',
            channel: 'sms',
          },
        ],
      }),
      step(1, { status: 'approved', settledBy: 'timeout' }),
    ];

    expect(finishSummary({ run: 'approved', quote: 'approved' }, run, steps)).toBe(
      'Approved under policy “Discounts” v3: Dana Director (for Max Manager) approved “Manager”: “ok for Q4”; ' +
        '“Finance” approved automatically after the timeout',
    );
  });
});

describe('the submit history entry', () => {
  const plan = (applies: boolean[]): ApprovalPlan => ({
    policy: { id: 'apd_1', version: 2, name: 'Discounts', why: ['discountPercent 30 > 10'] },
    autoApproved: applies.every((a) => !a),
    facts: {},
    steps: applies.map((a, index) => ({
      index,
      name: index === 0 ? 'Manager' : 'Director',
      applies: a,
      why: a ? [] : ['discountPercent 30 not ≥ 40'],
      mode: { type: 'any' as const },
      required: a ? 1 : 0,
      approvers: a
        ? [
            {
              userId: 'usr_ada',
              name: 'Ada Admin',
              email: 'ada@example.com',
              reason: 'fallback: Dana Director has no manager at level 1',
            },
          ]
        : [],
      unresolved: [],
    })),
  });

  it('names the policy version, whom each step asks and why, and why a step is skipped', () => {
    expect(submitSummary(plan([true, false]))).toBe(
      'Submitted for approval under policy “Discounts” v2: step 1 “Manager” asks Ada Admin ' +
        '(fallback: Dana Director has no manager at level 1); step 2 “Director” skipped (discountPercent 30 not ≥ 40)',
    );
  });

  it('says why a quote needs no approval', () => {
    expect(submitSummary(plan([false]))).toMatch(
      /^Approved without approval: policy “Discounts” v2 applies but none/,
    );
    expect(submitSummary({ policy: null, steps: [], autoApproved: true, facts: {} })).toBe(
      'Approved without approval: no active approval policy applies',
    );
  });
});
