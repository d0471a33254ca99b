/**
 * Messages go out once: deliverOnce over the DynamoDB outbox on DynamoDB Local, with a failure
 * injected at each point — before the provider takes a message, after it took it but before the
 * note, and on a refusal — and the in-memory outbox the unit tests use held to the same contract.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage } from '#connectors/email/email-sender';
import type { SmsMessage, SmsResult } from '#connectors/sms/sms-sender';
import { DeliveryError, deliverOnce, type Messaging } from '#functions/shared/deliver-once';
import { MessageOutbox, type Outbox } from '#store/message-outbox';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { MemoryOutbox } from '../support/memory-outbox.ts';

let hub: TestHub;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  hub = await startTestHub({ workflows: [] });
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: hub.urls.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
});
afterAll(() => hub?.stop());

type Failure = 'refused' | 'reset' | undefined;

/** Senders that record what they were handed and fail as told, once per listed failure. */
function senders(emailFailures: Failure[] = [], smsFailures: Failure[] = [], optedOut = false) {
  const emails: EmailMessage[] = [];
  const texts: SmsMessage[] = [];
  const fail = (failure: Failure) => {
    if (failure === 'refused')
      throw Object.assign(new Error('Throttling'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      });
  };
  return {
    emails,
    texts,
    email: {
      async send(message: EmailMessage) {
        const failure = emailFailures.shift();
        fail(failure);
        emails.push(message);
        if (failure === 'reset') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return { messageId: `e${emails.length}` };
      },
    },
    sms: {
      async send(message: SmsMessage): Promise<SmsResult> {
        const failure = smsFailures.shift();
        fail(failure);
        if (optedOut) return { sent: false, reason: 'opted-out' };
        texts.push(message);
        if (failure === 'reset') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return { sent: true, messageId: `s${texts.length}` };
      },
    },
  };
}

const message = {
  email: { to: ['ana@example.com'], subject: 'Hello', html: '<p>Hi</p>', text: 'Hi' },
  sms: { to: '+4915112340003', body: 'Hi', kind: 'Transactional' as const },
};
let n = 0;
const newKey = () => `test-${Date.now()}-${n++}`;

const outboxes: [string, () => Outbox][] = [
  ['the DynamoDB outbox', () => new MessageOutbox(documents, hub.tables.records)],
  ['the in-memory outbox', () => new MemoryOutbox()],
];

describe.each(outboxes)('%s', (_name, makeOutbox) => {
  const deps = (s: ReturnType<typeof senders>): Messaging => ({
    outbox: makeOutbox(),
    email: s.email,
    sms: s.sms,
    now: () => new Date(),
  });

  it('sends each channel once, however often the same message is delivered', async () => {
    const s = senders();
    const d = deps(s);
    const key = newKey();

    const first = await deliverOnce(d, key, message);
    const again = await deliverOnce(d, key, message);

    expect(first).toEqual({
      email: { status: 'sent', messageId: 'e1' },
      sms: { status: 'sent', messageId: 's1' },
    });
    expect(again).toEqual(first);
    expect([s.emails.length, s.texts.length]).toEqual([1, 1]);
  });

  it('sends on the retry only the channel the provider refused, and says so', async () => {
    const s = senders([], ['refused']);
    const d = deps(s);
    const key = newKey();

    const failed = await deliverOnce(d, key, message).catch((error: unknown) => error);
    const retried = await deliverOnce(d, key, message);

    expect(failed).toBeInstanceOf(DeliveryError);
    expect((failed as DeliveryError).delivered).toEqual({ email: { status: 'sent', messageId: 'e1' } });
    expect(retried.sms).toEqual({ status: 'sent', messageId: 's1' });
    expect([s.emails.length, s.texts.length]).toEqual([1, 1]);
    expect((await d.outbox.find(key))?.deliveries.sms?.attempts).toBe(2);
  });

  it('does not send again a message handed over without an answer, and calls it unconfirmed', async () => {
    const s = senders(['reset']);
    const d = deps(s);
    const key = newKey();

    await expect(deliverOnce(d, key, message)).rejects.toThrow('socket hang up');
    const retried = await deliverOnce(d, key, message);

    expect(retried.email).toEqual({ status: 'unconfirmed' });
    expect(s.emails).toHaveLength(1);
    expect((await d.outbox.find(key))?.deliveries.email).toMatchObject({ status: 'unconfirmed' });
  });

  it('keeps what the first attempt recorded: a retry with other content sends the first', async () => {
    const s = senders(['refused']);
    const d = deps(s);
    const key = newKey();

    await expect(deliverOnce(d, key, { email: message.email })).rejects.toThrow('Throttling');
    await deliverOnce(d, key, { email: { ...message.email, subject: 'Changed' } });

    expect(s.emails.map((e) => e.subject)).toEqual(['Hello']);
  });

  it('counts an opted-out number as skipped, never retried', async () => {
    const s = senders([], [], true);
    const d = deps(s);
    const key = newKey();

    const first = await deliverOnce(d, key, message);
    await deliverOnce(d, key, message);

    expect(first.sms).toEqual({ status: 'skipped', reason: 'opted-out' });
    expect((await d.outbox.find(key))?.deliveries.sms?.attempts).toBe(1);
  });

  it('gives a channel to one of two attempts running at once', async () => {
    const s = senders();
    const d = deps(s);
    const key = newKey();

    await Promise.all([deliverOnce(d, key, message), deliverOnce(d, key, message)]);

    expect([s.emails.length, s.texts.length]).toEqual([1, 1]);
  });
});

describe('the DynamoDB outbox', () => {
  it('drops a message’s content once it is sent: links in it are bearer credentials', async () => {
    const s = senders([], ['refused']);
    const outbox = new MessageOutbox(documents, hub.tables.records);
    const key = newKey();

    await deliverOnce({ outbox, email: s.email, sms: s.sms, now: () => new Date() }, key, message).catch(
      () => {},
    );
    const { Item } = await documents.send(
      new GetCommand({ TableName: hub.tables.records, Key: { pk: `outbox#${key}`, sk: 'MESSAGE' } }),
    );

    expect(Item?.deliveries.email).toMatchObject({ status: 'sent', messageId: 'e1' });
    expect(Item?.deliveries.email.payload).toBeUndefined();
    expect(Item?.deliveries.sms).toMatchObject({ status: 'failed', payload: message.sms });
    expect(Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
  });

  it('does not send twice when noting the send failed after the provider took it', async () => {
    const s = senders();
    const real = new MessageOutbox(documents, hub.tables.records);
    const flaky = Object.create(real) as MessageOutbox;
    let failures = 1;
    flaky.settle = async (...args) => {
      if (failures-- > 0) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return real.settle(...args);
    };
    const key = newKey();

    await expect(deliverOnce({ ...deps(s), outbox: flaky }, key, message)).rejects.toThrow('throttled');
    const retried = await deliverOnce({ ...deps(s), outbox: real }, key, message);

    expect(retried).toEqual({ email: { status: 'unconfirmed' }, sms: { status: 'sent', messageId: 's1' } });
    expect([s.emails.length, s.texts.length]).toEqual([1, 1]);
  });

  function deps(s: ReturnType<typeof senders>): Messaging {
    return {
      outbox: new MessageOutbox(documents, hub.tables.records),
      email: s.email,
      sms: s.sms,
      now: () => new Date(),
    };
  }
});
