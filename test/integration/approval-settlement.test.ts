/**
 * A decided step answers the workflow waiting on it. A small workflow on the hub's Step
 * Functions service stands in for one step of quote approval: its task stores the task token on
 * the step and calls settleIfDecided, as the flow's Request Decisions task does, then waits; a
 * decision by link or SMS must resume it with {"outcome": …}.
 */
import { fileURLToPath } from 'node:url';
import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleIfDecided } from '#functions/approvals/use-cases/settle-step';
import { settleDeps } from '#functions/approvals/wiring';
import { localFunctionArn } from '#local/stepfunctions/index';
import type { ApprovalStore } from '#store/approval-store';
import type { WorkflowDeclaration } from '#workflows/registry.ts';
import {
  type ApprovalScenario,
  approvalHistory,
  approvalStore,
  createApproval,
} from '../support/approvals.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { eventually, finished, output, sfnClient } from '../workflow/support.ts';

const STEP_WORKFLOW: WorkflowDeclaration = {
  name: 'approval-step-test',
  definitionFile: fileURLToPath(new URL('./fixtures/approval-step.asl.json', import.meta.url)),
  type: 'STANDARD',
  placeholders: { RequestDecisionsFunction: { lambda: 'test/request-decisions' } },
};

let hub: TestHub;
let sfn: SFNClient;
let store: ApprovalStore;

/** Stores the token on the step (opening it if it waits), then settles what was decided meanwhile. */
async function requestDecisions(payload: unknown) {
  const { approvalId, stepIndex, taskToken } = payload as {
    approvalId: string;
    stepIndex: number;
    taskToken: string;
  };
  const step = await store.step(approvalId, stepIndex);
  if (step?.status === 'waiting')
    await store.setStepFields(approvalId, stepIndex, { taskToken, status: 'open' }, 'waiting');
  else await store.setStepFields(approvalId, stepIndex, { taskToken });
  await settleIfDecided(settleDeps(), approvalId, stepIndex);
  return {};
}

beforeAll(async () => {
  hub = await startTestHub({
    workflows: [STEP_WORKFLOW],
    resolveFunction: (arn) =>
      arn === localFunctionArn('test/request-decisions') ? requestDecisions : undefined,
  });
  sfn = sfnClient(hub.urls.sfn);
  store = approvalStore(hub);
});
afterAll(async () => {
  sfn?.destroy();
  await hub?.stop();
});

/** Starts the step's execution (named after the run, as the flow names it) and waits for its token. */
async function startStep(scenario: ApprovalScenario, waitForToken = true): Promise<string> {
  const machine = hub.stateMachines.find((m) => m.name === STEP_WORKFLOW.name);
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine?.arn,
      name: scenario.approvalId,
      input: JSON.stringify({ approvalId: scenario.approvalId, stepIndex: 0 }),
    }),
  );
  if (waitForToken)
    await eventually(async () => (await store.step(scenario.approvalId, 0))?.taskToken, {
      what: 'the task token',
    });
  return executionArn as string;
}

const approveByLink = (linkId: string, nonce: string, decision = 'approve') =>
  fetch(`${hub.urls.api}/approvals/${linkId}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ nonce, decision }).toString(),
  });

describe('settling a step answers the waiting workflow', () => {
  it('resumes the execution with {"outcome": "approved"} when the one approval needed arrives by link', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const executionArn = await startStep(scenario);

    expect((await approveByLink(approver.linkId, approver.request.nonce)).status).toBe(303);

    const description = await finished(sfn, executionArn);
    expect(description.status).toBe('SUCCEEDED');
    expect(output(description).decision).toEqual({ outcome: 'approved' });
  });

  it('keeps waiting until every approver of an "all" step approved', async () => {
    const scenario = await createApproval(hub, { mode: 'all', approvers: 2 });
    const [first, second] = scenario.approvers;
    if (!first || !second) throw new Error('no approvers');
    const executionArn = await startStep(scenario);

    expect((await approveByLink(first.linkId, first.request.nonce)).status).toBe(303);
    const between = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(between.status).toBe('RUNNING');
    expect((await store.step(scenario.approvalId, 0))?.status).toBe('open');

    expect((await approveByLink(second.linkId, second.request.nonce)).status).toBe(303);
    const description = await finished(sfn, executionArn);
    expect(output(description).decision).toEqual({ outcome: 'approved' });
  });

  it('resumes with {"outcome": "rejected"} when the approver answers NO by SMS', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');
    const executionArn = await startStep(scenario);

    const sms = await fetch(`${hub.urls.sns}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: approver.phone, body: `NO ${approver.request.smsCode}` }),
    });

    expect(sms.status).toBe(202);
    const description = await finished(sfn, executionArn);
    expect(output(description).decision).toEqual({ outcome: 'rejected' });
  });

  it('delivers an outcome reached before the workflow stored its token once it does', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    expect((await approveByLink(approver.linkId, approver.request.nonce)).status).toBe(303);
    const settled = await store.step(scenario.approvalId, 0);
    expect(settled?.status).toBe('approved');
    expect(settled?.taskToken).toBeUndefined();

    const executionArn = await startStep(scenario, false);

    const description = await finished(sfn, executionArn);
    expect(output(description).decision).toEqual({ outcome: 'approved' });
  });

  it('records the decision and settles the step even when the stored token is no longer waited on', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const executionArn = await startStep(scenario);
    const { taskToken } = (await store.step(scenario.approvalId, 0)) ?? {};
    // The workflow moved on (here: stopped), leaving a token nobody waits on.
    await sfn.send(new StopExecutionCommand({ executionArn }));
    expect(taskToken).toBeDefined();

    const response = await approveByLink(approver.linkId, approver.request.nonce);

    expect(response.status).toBe(303);
    expect((await store.step(scenario.approvalId, 0))?.status).toBe('approved');
    // Sending the outcome again meets the same stale token: reported as moved on, not thrown.
    await expect(settleIfDecided(settleDeps(), scenario.approvalId, 0)).resolves.toBe('approved');
    expect((await approvalHistory(hub, scenario.quoteId)).map((e) => e.action)).toEqual([
      'approval-approved',
      'approval-step-approved',
    ]);
  });
});
