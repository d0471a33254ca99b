import './support/env.ts';
import { describe, expect, it } from 'vitest';
import type { EmailMessage } from '#connectors/email/email-sender';
import type { SmsMessage, SmsResult } from '#connectors/sms/sms-sender';
import type { FollowUpState, NotifyDeps } from '#functions/leads/ports';
import { notifyOwner } from '#functions/leads/use-cases/notify-owner.use-case';
import type { AuditEntry } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import { MemoryOutbox } from '../support/memory-outbox.ts';
import { testId } from './support/builders.ts';

const leadId = testId('led', 1);
const ownerId = testId('usr', 1);
const record = (fields: Record<string, unknown>) =>
  ({ version: 1, archived: false, createdAt: '2026-01-01T00:00:00.000Z', ...fields }) as StoredRecord;

/** A lead, its owner, and senders that fail as told (the provider refusing, before anything went out). */
function setup(fail: { sms?: number } = {}) {
  const records = new Map<string, StoredRecord>([
    [`lead#${leadId}`, record({ id: leadId, lastName: 'Lovelace', ownerId, hot: true })],
    [
      `user#${ownerId}`,
      record({ id: ownerId, name: 'Ana Seller', email: 'ana@example.com', phone: '+4915112340003' }),
    ],
  ]);
  const history: AuditEntry[] = [];
  const emails: EmailMessage[] = [];
  const texts: SmsMessage[] = [];
  let smsFailures = fail.sms ?? 0;
  const deps: NotifyDeps = {
    store: {
      get: async (type: string, id: string) => records.get(`${type}#${id}`),
      history: async () => ({ items: [...history], nextCursor: null }),
      appendHistory: async (_type: string, entry: AuditEntry) => {
        history.push(entry);
      },
    },
    now: () => new Date('2026-03-02T09:00:00Z'),
    email: {
      send: async (m: EmailMessage) => {
        emails.push(m);
        return { messageId: `e${emails.length}` };
      },
    },
    sms: {
      send: async (m: SmsMessage): Promise<SmsResult> => {
        if (smsFailures-- > 0)
          throw Object.assign(new Error('InternalError'), { $metadata: { httpStatusCode: 500 } });
        texts.push(m);
        return { sent: true, messageId: `s${texts.length}` };
      },
    },
    outbox: new MemoryOutbox(),
  };
  return { deps, history, emails, texts };
}

const state: FollowUpState = {
  leadId,
  ownerId,
  attempt: 0,
  assignedAt: '2026-03-02T09:00:00Z',
  hot: true,
  followUpSeconds: 3600,
  tried: [ownerId],
};

describe('notifyOwner', () => {
  it('emails and texts a hot lead’s owner once, however often the task runs', async () => {
    const { deps, emails, texts, history } = setup();

    const first = await notifyOwner(deps, state);
    const again = await notifyOwner(deps, state);

    expect(first).toEqual({ sent: ['email', 'sms'] });
    expect(again).toEqual({ sent: [], skipped: 'already notified' });
    expect([emails.length, texts.length]).toEqual([1, 1]);
    expect(history.map((e) => e.summary)).toEqual(['Emailed and texted Ana Seller about the lead']);
  });

  it('texts on the retry when the SMS failed after the email went out, and the history keeps both', async () => {
    const { deps, emails, texts, history } = setup({ sms: 2 });

    await expect(notifyOwner(deps, state)).rejects.toThrow('InternalError');
    await expect(notifyOwner(deps, state)).rejects.toThrow('InternalError');
    const retried = await notifyOwner(deps, state);

    expect(retried).toEqual({ sent: ['email', 'sms'] });
    expect([emails.length, texts.length]).toEqual([1, 1]);
    expect(history.map((e) => [e.context?.eventKey, e.summary])).toEqual([
      [`notify:0:${ownerId}:partial`, 'Emailed Ana Seller about the lead; the rest failed and is retried'],
      [`notify:0:${ownerId}`, 'Emailed and texted Ana Seller about the lead'],
    ]);
  });
});
