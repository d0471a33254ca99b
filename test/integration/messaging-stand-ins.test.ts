/**
 * The email and SMS stand-ins answer the real AWS SDK clients through AWS_ENDPOINT_URL_*, the
 * way the handlers will use them, and show what was sent.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  CheckIfPhoneNumberIsOptedOutCommand,
  ListPhoneNumbersOptedOutCommand,
  OptInPhoneNumberCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
let sns: SNSClient;
beforeAll(async () => {
  hub = await startTestHub();
  sns = new SNSClient({});
});
afterAll(() => hub?.stop());

const outbox = async (phone: string) =>
  (await (await fetch(`${hub.urls.sns}/messages?phoneNumber=${encodeURIComponent(phone)}`)).json()) as {
    message: string;
    smsType: string;
    status: string;
  }[];

describe('SMS stand-in (SNS Publish to a phone number)', () => {
  it('delivers a transactional SMS to the outbox and lists it as JSON and on the outbox page', async () => {
    const result = await sns.send(
      new PublishCommand({
        PhoneNumber: '+4915112345678',
        Message: 'Approve quote Q-1? Reply YES 4821 or NO 4821',
        MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
      }),
    );
    const page = await (await fetch(hub.urls.smsOutbox)).text();

    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await outbox('+4915112345678')).toEqual([
      expect.objectContaining({
        message: 'Approve quote Q-1? Reply YES 4821 or NO 4821',
        smsType: 'Transactional',
        status: 'delivered',
      }),
    ]);
    expect(page).toContain('Approve quote Q-1? Reply YES 4821 or NO 4821');
  });

  it('escapes message text on the outbox page', async () => {
    await sns.send(
      new PublishCommand({ PhoneNumber: '+4915112345670', Message: '<img src=x onerror=alert(1)>' }),
    );
    const page = await (await fetch(hub.urls.smsOutbox)).text();

    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img src=x');
  });

  it('refuses a number that is not E.164 with the SDK error InvalidParameterException', async () => {
    await expect(
      sns.send(new PublishCommand({ PhoneNumber: '0151 1234', Message: 'hi' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('opts a number out when its owner replies STOP, and stops delivering to it until opted in', async () => {
    const phone = '+4915112345671';
    const reply = await fetch(`${hub.urls.sns}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: phone, body: 'STOP' }),
    });
    const check = await sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: phone }));
    const list = await sns.send(new ListPhoneNumbersOptedOutCommand({}));
    await sns.send(new PublishCommand({ PhoneNumber: phone, Message: 'while opted out' }));
    await sns.send(new OptInPhoneNumberCommand({ phoneNumber: phone }));
    await sns.send(new PublishCommand({ PhoneNumber: phone, Message: 'after opting in' }));

    expect(reply.status).toBe(202);
    expect(check.isOptedOut).toBe(true);
    expect(list.phoneNumbers).toContain(phone);
    expect((await outbox(phone)).map((m) => [m.message, m.status])).toEqual([
      ['while opted out', 'opted-out'],
      ['after opting in', 'delivered'],
    ]);
  });

  it('refuses an inbound reply that is not from an E.164 number', async () => {
    const reply = await fetch(`${hub.urls.sns}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'nobody', body: 'YES 1234' }),
    });

    expect(reply.status).toBe(400);
  });
});

describe('email stand-in (SES v2)', () => {
  it('accepts SendEmail through the SDK and shows the message in its store', async () => {
    const ses = new SESv2Client({});
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'junction@example.com',
        Destination: { ToAddresses: ['max.manager@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Quote Q-1 needs your approval' },
            Body: { Text: { Data: 'Please decide.' } },
          },
        },
      }),
    );
    const store = (await (await fetch(`${hub.urls.ses}/store`)).json()) as {
      emails: { subject: string; to: string }[];
    };

    expect(sent.MessageId).toBeTruthy();
    expect(store.emails).toEqual(
      expect.arrayContaining([expect.objectContaining({ subject: 'Quote Q-1 needs your approval' })]),
    );
  });
});
