/**
 * What a step's policy timeout does when nobody decides, on a hub whose workflow time runs 1800
 * times faster: an hour of the policy passes in two seconds. Escalation to the manager (and on
 * to the fallback), reminders and expiry, automatic approval and rejection, renewed links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import {
  approvalWith,
  createOrg,
  createPolicy,
  createQuote,
  decideByLink,
  eventually,
  inbox,
  keyFor,
  linkIds,
  type Org,
} from '../support/quote-approval.ts';

let hub: TestHub;
let org: Org;

/** A policy for quotes with a discount in [from, to): one manager step with this timeout. */
const policyFor = (from: number, to: number, timeout: Record<string, unknown>, extra = {}) =>
  createPolicy(hub, {
    name: `Timeout ${timeout.action} ${from}`,
    appliesWhen: {
      all: [
        { fact: 'discountPercent', op: 'gte', value: from },
        { fact: 'discountPercent', op: 'lt', value: to },
      ],
    },
    steps: [{ name: 'Manager', approvers: [{ type: 'manager', level: 1 }], timeout }],
    fallbackApproverId: org.ids.ada,
    ...extra,
  });

beforeAll(async () => {
  hub = await startTestHub({ timeScale: 1800 });
  org = await createOrg(hub, 'qt');
  await policyFor(11, 20, { afterHours: 1, action: 'escalate' });
  await policyFor(20, 30, { afterHours: 1, action: 'remind', maxReminders: 1 }, { linkValidityHours: 1 });
  await policyFor(30, 40, { afterHours: 1, action: 'auto-approve' });
  await policyFor(40, 50, { afterHours: 1, action: 'auto-reject' });
  await policyFor(50, 60, { afterHours: 1.5, action: 'auto-approve' }, { linkValidityHours: 1 });
});
afterAll(() => hub?.stop());

const submitted = async (discount: number) => {
  const quoteId = await createQuote(hub, org, discount);
  const response = await hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, { key: org.anaKey });
  expect(response.status, response.text).toBe(202);
  return { quoteId, name: String((await hub.api.get(`/v1/quotes/${quoteId}`)).body.name) };
};

const mailTo = (to: string, name: string, subject: string) =>
  eventually(
    async () => (await inbox(hub, to)).find((e) => e.subject.startsWith(subject) && e.subject.includes(name)),
    `“${subject}” to ${to}`,
  );

const history = async (quoteId: string) =>
  (await hub.api.get(`/v1/quotes/${quoteId}/history?limit=100`)).body.items as {
    action: string;
    summary?: string;
  }[];

describe('when nobody decides in time', () => {
  it('escalates to the approver’s manager, whose approval then decides; the first link stops working', async () => {
    const { quoteId, name } = await submitted(15);
    const [first] = linkIds((await mailTo(org.emails.max, name, 'Approval needed')).body.text);

    const escalated = await mailTo(org.emails.dana, name, 'Escalated: Approval needed');
    const [link] = linkIds(escalated.body.text);
    const decided = await decideByLink(hub, link as string, 'approve', 'covering for Max');
    const run = await approvalWith(hub, quoteId, 'approved');

    expect(escalated.body.text).toContain(
      'escalated: Max Manager did not answer within 1 h; Dana Director is the manager of Max Manager',
    );
    expect(decided.status).toBe(200);
    expect(run.steps[0].escalations).toBeGreaterThanOrEqual(1);
    expect(run.steps[0].requests[0]).toMatchObject({
      approverName: 'Max Manager',
      status: 'closed',
      closedReason: 'replaced',
    });
    expect((await fetch(`${hub.urls.api}/approvals/${first}`)).status).toBe(410);
    expect((await history(quoteId)).map((e) => e.action)).toContain('approval-escalated');
  });

  it('keeps escalating up the chain and then to the fallback approver', async () => {
    const { quoteId, name } = await submitted(16);

    const toAda = await mailTo(org.emails.ada, name, 'Escalated: Approval needed');

    expect(toAda.body.text).toContain(
      'escalated to the fallback approver: Dana Director did not answer within 1 h',
    );
    await decideByLink(hub, linkIds(toAda.body.text)[0] as string, 'reject', 'no');
    await approvalWith(hub, quoteId, 'rejected');
  });

  it('does not escalate to the manager who submitted the quote: the fallback approver is asked instead', async () => {
    const quoteId = await createQuote(hub, org, 17);
    const name = String((await hub.api.get(`/v1/quotes/${quoteId}`)).body.name);
    const dana = await keyFor(hub, 'manager', org.ids.dana);
    const response = await hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, { key: dana });
    expect(response.status, response.text).toBe(202);

    const toAda = await mailTo(org.emails.ada, name, 'Escalated: Approval needed');

    expect(toAda.body.text).toContain(
      'escalated to the fallback approver: Max Manager did not answer within 1 h',
    );
    const toDana = (await inbox(hub, org.emails.dana)).filter((e) => e.subject.includes(name));
    expect(toDana).toEqual([]);
    await decideByLink(hub, linkIds(toAda.body.text)[0] as string, 'approve', 'ok');
    await approvalWith(hub, quoteId, 'approved');
  });

  it('reminds with a fresh link, then expires with the links and sends the quote back to draft', async () => {
    const { quoteId, name } = await submitted(25);
    const [first] = linkIds((await mailTo(org.emails.max, name, 'Approval needed')).body.text);

    const reminder = await mailTo(org.emails.max, name, 'Reminder: Approval needed');
    const run = await approvalWith(hub, quoteId, 'expired');
    const told = await mailTo(org.emails.ana, name, `${name}: nobody decided in time`);

    expect(reminder.body.text).toContain('Reminder 1:');
    expect(linkIds(reminder.body.text)[0]).not.toBe(first);
    expect(run.steps[0]).toMatchObject({ status: 'expired', reminders: 1 });
    expect(run.finishReason).toContain('Nobody decided step “Manager” in time');
    expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('draft');
    expect(told.body.text).toContain('back in draft');
    expect((await history(quoteId)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['approval-reminder-sent', 'approval-step-expired', 'approval-run-expired']),
    );
    expect((await hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, { key: org.anaKey })).status).toBe(
      202,
    );
  });

  it('approves or rejects automatically when the policy says so, and the history says it was the timeout', async () => {
    const approved = await submitted(35);
    const rejected = await submitted(45);

    await approvalWith(hub, approved.quoteId, 'approved');
    await approvalWith(hub, rejected.quoteId, 'rejected');

    expect((await hub.api.get(`/v1/quotes/${approved.quoteId}`)).body.status).toBe('approved');
    expect((await hub.api.get(`/v1/quotes/${rejected.quoteId}`)).body.status).toBe('rejected');
    const summaries = (await history(approved.quoteId)).map((e) => e.summary ?? '');
    expect(summaries).toEqual(
      expect.arrayContaining([
        'Step 1 “Manager” approved automatically: nobody decided within 1 h, and the policy says so',
        expect.stringContaining('“Manager” approved automatically after the timeout'),
      ]),
    );
    const run = (await hub.api.get(`/v1/quotes/${rejected.quoteId}/approval`)).body;
    expect(run.steps[0].requests[0]).toMatchObject({ status: 'closed', closedReason: 'step-settled' });
  });

  it('sends new links when they expire before the policy’s timeout, then acts on the timeout', async () => {
    const { quoteId, name } = await submitted(55);

    const renewed = await mailTo(org.emails.max, name, 'New link: Approval needed');
    await approvalWith(hub, quoteId, 'approved');

    expect(renewed.body.text).toContain('The earlier link for this approval expired');
    expect((await history(quoteId)).map((e) => e.action)).toContain('approval-link-renewed');
  });
});
