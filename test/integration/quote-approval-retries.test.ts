/**
 * The workflow's tasks invoked again, as Step Functions' Retry (or a Lambda retry) does: nothing
 * is sent twice. The use cases run here directly, against the hub's DynamoDB Local, SES and SMS
 * stand-ins over sockets; only Step Functions is replaced — a workflow port that starts nothing
 * and a task-callback port that records the outcomes sent — so the test decides when each task
 * runs and how often.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { recordDirectory } from '#functions/approvals/adapters/record-directory';
import type { FlowDeps, StepOutcome, SubmitDeps } from '#functions/approvals/ports';
import type { FlowRequest } from '#functions/approvals/use-cases/approval-flow';
import { handleTimeout } from '#functions/approvals/use-cases/handle-timeout.use-case';
import { loadStep } from '#functions/approvals/use-cases/load-step.use-case';
import { requestDecisions } from '#functions/approvals/use-cases/request-decisions.use-case';
import { submitQuote } from '#functions/approvals/use-cases/submit-quote.use-case';
import { ApprovalStore } from '#store/approval-store';
import { DocumentVersions } from '#store/document-versions';
import { MessageOutbox } from '#store/message-outbox';
import { RecordStore } from '#store/record-store';
import { startTestHub, type TestHub } from '../support/hub.ts';
import {
  createOrg,
  createPolicy,
  createQuote,
  decideByLink,
  inbox,
  linkIds,
  type Org,
  outbox,
} from '../support/quote-approval.ts';

const MAX_PHONE = '+4915112340002';
const ulid = monotonicFactory();

let hub: TestHub;
let org: Org;
let flow: FlowDeps;
let submitDeps: SubmitDeps;
const sentOutcomes: { token: string; outcome: StepOutcome }[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  org = await createOrg(hub, 'qr');
  await createPolicy(hub, {
    name: 'Remind',
    appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
    steps: [
      {
        name: 'Manager',
        approvers: [{ type: 'manager', level: 1 }],
        timeout: { afterHours: 24, action: 'remind', maxReminders: 2 },
      },
    ],
    fallbackApproverId: org.ids.ada,
  });
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: hub.urls.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const records = new RecordStore(documents, hub.tables.records);
  const approvals = new ApprovalStore(documents, hub.tables.records);
  const now = () => new Date();
  flow = {
    approvals,
    records,
    now,
    tasks: {
      async succeed(token, output) {
        sentOutcomes.push({ token, outcome: output.outcome });
        return 'delivered';
      },
    },
    directory: () => recordDirectory(records),
    email: new SesEmailSender({ from: 'approvals@example.com' }),
    sms: new SnsSmsSender(),
    outbox: new MessageOutbox(documents, hub.tables.records),
    linkBaseUrl: hub.urls.api,
  };
  submitDeps = {
    store: records,
    now,
    newId: (prefix) => `${prefix}_${ulid()}`,
    versions: new DocumentVersions(documents, hub.tables.records),
    approvals,
    workflow: {
      start: async (name) => `arn:aws:states:us-east-1:000000000000:execution:test:${name}`,
      stop: async () => {},
    },
  };
});
afterAll(() => hub?.stop());

const caller = {
  principal: { id: 'key_test', name: 'Test seller', role: 'sales' as const, kind: 'api-key' as const },
  source: {
    actor: { id: 'key_test', name: 'Test seller', kind: 'api-key' as const },
    channel: 'api' as const,
  },
};

/** A submitted quote whose first step is open, as Load Step leaves it. */
async function openStep() {
  const quoteId = await createQuote(hub, org, 15);
  const { run } = await submitQuote(submitDeps, quoteId, undefined, caller);
  const loaded = await loadStep(flow, { approvalId: run.id, stepIndex: 0 });
  const name = String((await hub.api.get(`/v1/quotes/${quoteId}`)).body.name);
  return { quoteId, approvalId: run.id, loaded, name };
}

/** Deps whose email dies right after SES accepted a message — `times` times — before the request is marked sent. */
function crashingAfterSend(times: number): FlowDeps {
  const real = flow.email;
  let crashes = times;
  return {
    ...flow,
    email: {
      async send(message) {
        const sent = await real.send(message);
        if (crashes-- > 0) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        return sent;
      },
    },
  };
}

/** An AWS service error as the SDK throws it: the provider answered, so nothing was sent. */
const serviceError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $fault: 'server', $metadata: { httpStatusCode: status } });

/** Deps whose `channel` sender throws `error` before sending, `times` times. */
function failing(deps: FlowDeps, channel: 'email' | 'sms', times: number, error: Error): FlowDeps {
  let left = times;
  const guard = () => {
    if (left-- > 0) throw error;
  };
  return channel === 'email'
    ? {
        ...deps,
        email: {
          send: async (m) => {
            guard();
            return deps.email.send(m);
          },
        },
      }
    : {
        ...deps,
        sms: {
          send: async (m) => {
            guard();
            return deps.sms.send(m);
          },
        },
      };
}

const historyOf = async (quoteId: string) =>
  (await hub.api.get(`/v1/quotes/${quoteId}/history?limit=100`)).body.items as {
    action: string;
    channel: string;
    summary?: string;
  }[];

const mailsAbout = async (name: string) =>
  (await inbox(hub, org.emails.max)).filter((e) => e.subject.includes(name));
const requestsOf = async (approvalId: string) =>
  (await flow.approvals.requests(approvalId, 0)) as FlowRequest[];

describe('a retried Request Decisions', () => {
  it('asks nobody twice, and hands the step the newest token', async () => {
    const { approvalId, loaded, name } = await openStep();
    const textsBefore = (await outbox(hub, MAX_PHONE)).length;

    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' });
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-2' });

    expect(loaded).toMatchObject({ done: false, stepIndex: 0, timeoutSeconds: 24 * 3600 });
    expect(await mailsAbout(name)).toHaveLength(1);
    expect((await outbox(hub, MAX_PHONE)).length).toBe(textsBefore + 1);
    expect(await requestsOf(approvalId)).toEqual([
      expect.objectContaining({ approverId: org.ids.max, status: 'open', channels: ['email', 'sms'] }),
    ]);
    expect((await flow.approvals.step(approvalId, 0))?.taskToken).toBe('token-2');
  });

  it('sends one email and one SMS when the SMS failed after the email went out', async () => {
    const { quoteId, approvalId, name } = await openStep();
    const textsBefore = (await outbox(hub, MAX_PHONE)).length;
    const smsDown = failing(flow, 'sms', 1, serviceError('InternalErrorException', 500));

    await expect(
      requestDecisions(smsDown, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' }),
    ).rejects.toThrow('InternalErrorException');
    const afterFirst = await historyOf(quoteId);
    await requestDecisions(smsDown, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-2' });

    const mails = await mailsAbout(name);
    const texts = (await outbox(hub, MAX_PHONE)).slice(textsBefore);
    expect(mails).toHaveLength(1);
    expect(texts).toHaveLength(1);
    // The SMS carries the link the email carried: the retry resumed the same request.
    expect(linkIds(texts[0]?.message)).toEqual(linkIds(mails[0]?.body.text));
    expect(await requestsOf(approvalId)).toEqual([
      expect.objectContaining({ status: 'open', channels: ['email', 'sms'], sentAt: expect.any(String) }),
    ]);
    // The email's history entry was written before the task failed, and neither is doubled.
    expect(afterFirst.filter((e) => e.action === 'approval-requested').map((e) => e.channel)).toEqual([
      'email',
    ]);
    const asks = (await historyOf(quoteId)).filter((e) => e.action === 'approval-requested');
    expect(asks.map((e) => e.channel).sort()).toEqual(['email', 'sms']);
  });

  it('sends the email once the provider takes it, when it refused the first try', async () => {
    const { approvalId, name } = await openStep();
    const throttled = failing(flow, 'email', 1, serviceError('TooManyRequestsException', 429));

    await expect(
      requestDecisions(throttled, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' }),
    ).rejects.toThrow('TooManyRequestsException');
    await requestDecisions(throttled, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-2' });

    const mails = await mailsAbout(name);
    expect(mails).toHaveLength(1);
    const [link] = linkIds(mails[0]?.body.text);
    expect((await fetch(`${hub.urls.api}/approvals/${link}`)).status).toBe(200);
    expect(await requestsOf(approvalId)).toEqual([expect.objectContaining({ channels: ['email', 'sms'] })]);
  });

  it('does not send again what an attempt handed over before it stopped, and the history says so', async () => {
    const { quoteId, approvalId, name } = await openStep();
    const textsBefore = (await outbox(hub, MAX_PHONE)).length;
    const crashing = crashingAfterSend(1);

    await expect(
      requestDecisions(crashing, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' }),
    ).rejects.toThrow('connection reset');
    await requestDecisions(crashing, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-2' });

    const requests = await requestsOf(approvalId);
    const mails = await mailsAbout(name);
    expect(mails).toHaveLength(1);
    expect((await outbox(hub, MAX_PHONE)).length).toBe(textsBefore + 1);
    expect(requests).toEqual([expect.objectContaining({ status: 'open', sentAt: expect.any(String) })]);
    const [link] = linkIds(mails[0]?.body.text);
    expect((await fetch(`${hub.urls.api}/approvals/${link}`)).status).toBe(200);
    const email = (await historyOf(quoteId)).find(
      (e) => e.action === 'approval-requested' && e.channel === 'email',
    );
    expect(email?.summary).toMatch(/unconfirmed: an attempt stopped while handing it over/);
  });

  it('does not send twice when the note that a message went out could not be written', async () => {
    const { quoteId, approvalId, name } = await openStep();
    const outboxDown = Object.create(flow.outbox) as MessageOutbox;
    let failures = 1;
    outboxDown.settle = async (...args) => {
      if (failures-- > 0) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return flow.outbox.settle(...args);
    };

    await expect(
      requestDecisions(
        { ...flow, outbox: outboxDown },
        { approvalId, stepIndex: 0, round: 0, taskToken: 't-1' },
      ),
    ).rejects.toThrow('throttled');
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 't-2' });

    expect(await mailsAbout(name)).toHaveLength(1);
    expect((await historyOf(quoteId)).filter((e) => e.action === 'approval-requested')).toHaveLength(2);
  });

  it('settles a step whose decision came while no token was current, on the token it is handed', async () => {
    const { approvalId, name } = await openStep();
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' });
    const [link] = linkIds((await mailsAbout(name))[0]?.body.text);

    // Decided between rounds: the decision side finds the step decided and its token no longer waited on.
    await decideByLink(hub, link as string, 'approve');
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 1, taskToken: 'token-round-1' });

    expect(sentOutcomes).toContainEqual({ token: 'token-round-1', outcome: 'approved' });
    expect((await flow.approvals.step(approvalId, 0))?.status).toBe('approved');
  });
});

describe('a retried Handle Timeout', () => {
  it('reminds once per round, and answers the retry as it answered the first call', async () => {
    const { approvalId, name } = await openStep();
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' });

    const first = await handleTimeout(flow, { approvalId, stepIndex: 0, round: 0 });
    const retry = await handleTimeout(flow, { approvalId, stepIndex: 0, round: 0 });

    expect(first).toEqual({ approvalId, stepIndex: 0, round: 1, timeoutSeconds: 24 * 3600, action: 'wait' });
    expect(retry).toEqual(first);
    const subjects = (await mailsAbout(name)).map((e) => e.subject.split(':')[0]);
    expect(subjects).toEqual(['Approval needed', 'Reminder']);
    expect((await flow.approvals.step(approvalId, 0))?.reminders).toBe(1);
    expect((await requestsOf(approvalId)).filter((r) => r.status === 'open')).toHaveLength(1);
  });

  it('finishes a reminder round that was cut short without sending what went out already', async () => {
    const { approvalId, name } = await openStep();
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' });
    // The first attempt sent the reminder and stopped before closing the old request.
    const approvals = Object.create(flow.approvals) as ApprovalStore;
    approvals.closeRequests = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    };
    const cut: FlowDeps = { ...flow, approvals };

    await expect(handleTimeout(cut, { approvalId, stepIndex: 0, round: 0 })).rejects.toThrow('throttled');
    const retried = await handleTimeout(flow, { approvalId, stepIndex: 0, round: 0 });

    expect(retried.action).toBe('wait');
    expect((await mailsAbout(name)).map((e) => e.subject.split(':')[0])).toEqual([
      'Approval needed',
      'Reminder',
    ]);
    const requests = await requestsOf(approvalId);
    expect(requests.filter((r) => r.status === 'open')).toEqual([expect.objectContaining({ round: 1 })]);
  });

  it('resumes a reminder whose sending was cut short: one reminder, one open request', async () => {
    const { approvalId, name } = await openStep();
    await requestDecisions(flow, { approvalId, stepIndex: 0, round: 0, taskToken: 'token-1' });

    await expect(handleTimeout(crashingAfterSend(1), { approvalId, stepIndex: 0, round: 0 })).rejects.toThrow(
      'connection reset',
    );
    await handleTimeout(flow, { approvalId, stepIndex: 0, round: 0 });

    const requests = await requestsOf(approvalId);
    expect(requests.filter((r) => r.status === 'open')).toEqual([
      expect.objectContaining({ round: 1, sentAt: expect.any(String) }),
    ]);
    expect(requests.filter((r) => r.closedReason === 'replaced')).toHaveLength(1);
    expect((await mailsAbout(name)).map((e) => e.subject.split(':')[0])).toEqual([
      'Approval needed',
      'Reminder',
    ]);
  });
});
