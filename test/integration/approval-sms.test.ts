/**
 * Deciding by SMS reply: a phone answers through the SMS stand-in, the hub delivers the reply to
 * the inbound-SMS function as the SNS event AWS sends, and the answer comes back in the outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalHistory, createApproval, uniquePhone } from '../support/approvals.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

/** A reply from a phone; the stand-in answers once the inbound function has run. */
async function reply(from: string, body: string) {
  const response = await fetch(`${hub.urls.sns}/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, body }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { accepted: boolean; optedOut: boolean };
}

async function outbox(phone: string): Promise<string[]> {
  const response = await fetch(`${hub.urls.sns}/messages?phoneNumber=${encodeURIComponent(phone)}`);
  return ((await response.json()) as { message: string }[]).map((m) => m.message);
}

describe('SMS replies', () => {
  it('approves with "YES <code>" from the approver’s phone, audits it and answers', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');

    await reply(approver.phone, `  yes   ${approver.request.smsCode} `);

    expect(await outbox(approver.phone)).toEqual([`Approved ${scenario.quoteName} — thanks`]);
    const step = await scenario.store.step(scenario.approvalId, 0);
    expect(step?.status).toBe('approved');
    expect(step?.decisions).toEqual([
      expect.objectContaining({ approverId: approver.id, decision: 'approve', channel: 'sms' }),
    ]);
    const history = await approvalHistory(hub, scenario.quoteId);
    expect(history.map((e) => [e.action, e.channel])).toEqual([
      ['approval-approved', 'sms'],
      ['approval-step-approved', 'workflow'],
    ]);
  });

  it('rejects with "N<code>" and says so', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');

    await reply(approver.phone, `N${approver.request.smsCode}`);

    expect(await outbox(approver.phone)).toEqual([`Rejected ${scenario.quoteName} — thanks`]);
    expect((await scenario.store.step(scenario.approvalId, 0))?.status).toBe('rejected');
  });

  it('does not decide on a code sent from another phone, and does not answer a number that holds no codes', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');
    const stranger = uniquePhone();

    await reply(stranger, `YES ${approver.request.smsCode}`);

    expect(await outbox(stranger)).toEqual([]);
    expect(await outbox(approver.phone)).toEqual([]);
    const step = await scenario.store.step(scenario.approvalId, 0);
    expect(step?.status).toBe('open');
    expect(step?.decisions).toEqual([]);
  });

  it('answers a code already used with who decided, and decides nothing more', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');
    await reply(approver.phone, `APPROVE ${approver.request.smsCode}`);

    await reply(approver.phone, `REJECT ${approver.request.smsCode}`);

    const messages = await outbox(approver.phone);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toContain(`${scenario.quoteName} was already approved by ${approver.name}`);
    expect((await scenario.store.step(scenario.approvalId, 0))?.decisions).toHaveLength(1);
  });

  it('sends no answer to any number that was never texted a code, so nobody can make the hub text strangers', async () => {
    const strangers = [uniquePhone(), uniquePhone()];

    for (const phone of strangers) {
      await reply(phone, 'YES 123456');
      await reply(phone, 'hello?');
    }

    for (const phone of strangers) expect(await outbox(phone)).toEqual([]);
  });

  it('answers an approver’s wrong code with how to reply, by the 6-digit code', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');
    expect(approver.request.smsCode).toMatch(/^\d{6}$/);
    const wrong = approver.request.smsCode === '100000' ? '100001' : '100000';

    await reply(approver.phone, `YES ${wrong}`);

    expect(await outbox(approver.phone)).toEqual([
      'That code is not valid. Reply YES or NO followed by the 6-digit code from the request, e.g. YES 482193.',
    ]);
  });

  it('does not decide by the reply of an approver deactivated since the request, and says why', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');
    const user = await hub.api.get(`/v1/users/${approver.id}`);
    await hub.api.patch(
      `/v1/users/${approver.id}`,
      { active: false },
      {
        headers: { 'if-match': String(user.headers.get('etag')) },
      },
    );

    await reply(approver.phone, `YES ${approver.request.smsCode}`);

    expect(await outbox(approver.phone)).toEqual([
      `Your account is no longer active, so your reply cannot decide ${scenario.quoteName}.`,
    ]);
    const step = await scenario.store.step(scenario.approvalId, 0);
    expect(step?.status).toBe('open');
    expect(step?.decisions).toEqual([]);
  });

  it('ignores STOP and HELP: the carrier answers those, and they are not wrong codes', async () => {
    const phone = uniquePhone();

    const stop = await reply(phone, 'STOP');
    await reply(phone, 'help');

    expect(stop.optedOut).toBe(true);
    expect(await outbox(phone)).toEqual([]);
  });

  it('after 5 wrong codes in an hour says so once, then ignores the phone — even a right code', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver?.request.smsCode) throw new Error('no SMS code');
    const wrong = approver.request.smsCode === '100000' ? '100001' : '100000';

    for (const text of [
      `YES ${wrong}`,
      `NO ${wrong}`,
      'maybe later',
      `Y ${wrong}`,
      `YES ${wrong}`,
      `YES ${wrong}`,
    ])
      await reply(approver.phone, text);
    await reply(approver.phone, `YES ${approver.request.smsCode}`);

    const messages = await outbox(approver.phone);
    expect(messages).toHaveLength(5);
    expect(messages.slice(0, 4).every((m) => !m.includes('Too many'))).toBe(true);
    expect(messages[4]).toContain('Too many wrong codes');
    const step = await scenario.store.step(scenario.approvalId, 0);
    expect(step?.status).toBe('open');
    expect(step?.decisions).toEqual([]);
  });
});
