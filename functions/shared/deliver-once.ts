/**
 * Sends a recorded message over each of its channels at most once (store/message-outbox.ts).
 *
 * Record the intent first (`deliverOnce` does, or a caller's own transaction does with
 * `MessageOutbox.intentItem`), then deliver: every channel still pending or failed is claimed,
 * handed to its sender and noted, each channel on its own. A channel that fails is noted failed
 * and the others still go out; then the first failure is thrown, so the task is retried and the
 * retry sends only what failed. What went out before is answered as it was, never sent again.
 */
import type { EmailMessage, EmailSender } from '#connectors/email/email-sender';
import type { SmsMessage, SmsSender } from '#connectors/sms/sms-sender';
import { CHANNELS, type Channel, type Outbox, type OutboxEntry } from '#store/message-outbox';

export interface Messaging {
  outbox: Outbox;
  email: EmailSender;
  /** Absent for flows that only email (invoices); a text to send without it is an error. */
  sms?: SmsSender;
  now: () => Date;
}

/** How one channel of a message ended, as the history tells it. */
export type ChannelOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'skipped'; reason: string }
  /** An earlier attempt stopped after handing it over: it may have gone out, and is not resent. */
  | { status: 'unconfirmed' };

export type Delivered = Partial<Record<Channel, ChannelOutcome>>;

/** Some channels failed (they are retried by the next attempt); `delivered` says how the others ended. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    key: string,
    readonly delivered: Delivered,
    failures: unknown[],
  ) {
    const first = failures[0] as Error;
    super(`message ${key}: ${failures.length} channel(s) failed, first: ${first?.message}`, { cause: first });
  }
}

export interface Messages {
  email?: EmailMessage;
  sms?: SmsMessage;
}

/**
 * Called once a channel's outcome is known, on every attempt (an outcome of an earlier attempt
 * is reported again): write the history entry here, under a key of its own, so it is never lost
 * nor doubled.
 */
export type OnDelivered = (channel: Channel, outcome: ChannelOutcome) => Promise<void>;

/** Records the messages under `key` (unless recorded already) and delivers what is unsent. */
export async function deliverOnce(
  deps: Messaging,
  key: string,
  messages: Messages,
  onDelivered?: OnDelivered,
): Promise<Delivered> {
  const entry = await deps.outbox.record(key, { messages }, deps.now());
  return deliverRecorded(deps, entry, onDelivered);
}

export async function deliverRecorded(
  deps: Messaging,
  entry: OutboxEntry,
  onDelivered: OnDelivered = async () => {},
): Promise<Delivered> {
  const delivered: Delivered = {};
  const failures: unknown[] = [];
  for (const channel of CHANNELS) {
    if (!entry.deliveries[channel]) continue;
    try {
      const outcome = await deliverChannel(deps, entry, channel);
      delivered[channel] = outcome;
      await onDelivered(channel, outcome);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new DeliveryError(entry.key, delivered, failures);
  return delivered;
}

async function deliverChannel(
  deps: Messaging,
  entry: OutboxEntry,
  channel: Channel,
): Promise<ChannelOutcome> {
  const delivery = entry.deliveries[channel];
  if (!delivery) throw new Error(`message ${entry.key} has no ${channel}`);
  if (!(await deps.outbox.claim(entry.key, channel, deps.now()))) {
    // Not takeable: read what became of it (this attempt's entry may be older than the item).
    const current = (await deps.outbox.find(entry.key))?.deliveries[channel] ?? delivery;
    if (current.status === 'sent') return { status: 'sent', messageId: current.messageId ?? '' };
    if (current.status === 'skipped') return { status: 'skipped', reason: current.reason ?? '' };
    if (current.status === 'sending') await deps.outbox.markUnconfirmed(entry.key, channel, deps.now());
    return { status: 'unconfirmed' };
  }
  const payload = delivery.payload;
  if (!payload) throw new Error(`message ${entry.key} lost its ${channel} payload before it was sent`);
  let outcome: ChannelOutcome;
  try {
    if (channel === 'email') {
      const sent = await deps.email.send(payload as unknown as EmailMessage);
      outcome = { status: 'sent', messageId: sent.messageId };
    } else {
      if (!deps.sms) throw new Error(`message ${entry.key} has a text, but this flow has no SMS sender`);
      const sent = await deps.sms.send(payload as unknown as SmsMessage);
      outcome = sent.sent
        ? { status: 'sent', messageId: sent.messageId }
        : { status: 'skipped', reason: sent.reason };
    }
  } catch (error) {
    // The provider answered with an error: nothing went out, and the next attempt sends it. With
    // no answer (a reset connection, a timeout) it may have gone out: the channel stays
    // "sending", and the next attempt reads it as unconfirmed rather than send it twice.
    if (certainlyNotSent(error))
      await deps.outbox.settle(
        entry.key,
        channel,
        { status: 'failed', reason: (error as Error).message },
        deps.now(),
      );
    throw error;
  }
  // Should this note fail, the channel stays "sending" and the next attempt reads it as unconfirmed.
  await deps.outbox.settle(entry.key, channel, outcome, deps.now());
  return outcome;
}

/** Failures that happen before a request leaves this process: nothing can have been sent. */
const BEFORE_SENDING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'CredentialsProviderError']);

/**
 * Whether the message certainly did not go out: the provider answered with an error (an AWS SDK
 * service error carries the HTTP status of that answer), or the request never left.
 */
function certainlyNotSent(error: unknown): boolean {
  const { $metadata, code, name } = (error ?? {}) as {
    $metadata?: { httpStatusCode?: number };
    code?: string;
    name?: string;
  };
  return typeof $metadata?.httpStatusCode === 'number' || BEFORE_SENDING.has(code ?? name ?? '');
}
