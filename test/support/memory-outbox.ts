/**
 * An outbox held in memory, for unit tests of the flows that send (the DynamoDB one is
 * store/message-outbox.ts; test/integration/message-outbox.test.ts holds both to one contract).
 * An intent item "written in a transaction" is recorded at once: the fakes around it have no
 * transactions to take part in.
 */

import type { Channel, Delivery, MessageIntent, Outbox, OutboxEntry } from '#store/message-outbox';
import type { DocumentTransactItem } from '#store/record-store';

export class MemoryOutbox implements Outbox {
  readonly entries = new Map<string, OutboxEntry>();

  intentItem(key: string, intent: MessageIntent, now: Date): DocumentTransactItem {
    if (!this.entries.has(key)) {
      const at = now.toISOString();
      const deliveries = Object.fromEntries(
        Object.entries(intent.messages).map(([c, payload]) => [
          c,
          { status: 'pending', payload, attempts: 0, at },
        ]),
      ) as OutboxEntry['deliveries'];
      this.entries.set(key, { key, ref: intent.ref ?? {}, deliveries, createdAt: at });
    }
    return { ConditionCheck: { TableName: 'memory', Key: { key }, ConditionExpression: 'true' } };
  }

  async record(key: string, intent: MessageIntent, now: Date): Promise<OutboxEntry> {
    this.intentItem(key, intent, now);
    return structuredClone(this.entries.get(key) as OutboxEntry);
  }

  async find(key: string): Promise<OutboxEntry | undefined> {
    const entry = this.entries.get(key);
    return entry ? structuredClone(entry) : undefined;
  }

  private delivery(key: string, channel: Channel): Delivery | undefined {
    return this.entries.get(key)?.deliveries[channel];
  }

  async claim(key: string, channel: Channel, now: Date): Promise<boolean> {
    const d = this.delivery(key, channel);
    if (!d || (d.status !== 'pending' && d.status !== 'failed')) return false;
    Object.assign(d, { status: 'sending', at: now.toISOString(), attempts: d.attempts + 1 });
    return true;
  }

  async settle(
    key: string,
    channel: Channel,
    outcome: { status: 'sent'; messageId: string } | { status: 'skipped' | 'failed'; reason: string },
    now: Date,
  ): Promise<void> {
    const d = this.delivery(key, channel);
    if (!d) throw new Error(`no ${channel} under ${key}`);
    Object.assign(d, outcome, { at: now.toISOString() });
    if (outcome.status !== 'failed') delete d.payload;
  }

  async markUnconfirmed(key: string, channel: Channel, now: Date): Promise<void> {
    const d = this.delivery(key, channel);
    if (d?.status !== 'sending') return;
    Object.assign(d, { status: 'unconfirmed', at: now.toISOString() });
    delete d.payload;
  }
}
