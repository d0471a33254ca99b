/**
 * The rules of outbound delivery that need no network: the retry schedule, Retry-After, which
 * endpoints an event goes to, the events an audit entry stands for, and the SSRF guard's verdicts
 * (including a name that resolves to a private address).
 */
import { describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '#connectors/webhooks/http-webhook-sender';
import { refusal } from '#connectors/webhooks/ssrf-guard';
import type { AuditEntry } from '#schemas/audit';
import { eventsOf, MAX_CHANGES_BYTES, matches } from '../../functions/events/domain/event-catalogue.ts';
import {
  MAX_ATTEMPTS,
  nextDelaySeconds,
  RETRY_DELAYS_SECONDS,
  retryAfterSeconds,
} from '../../functions/webhooks/domain/retry-schedule.ts';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: '01JAUDIT0000000000000000000',
  recordType: 'quote',
  recordId: 'quo_1',
  version: 3,
  action: 'update',
  at: '2026-12-03T12:00:00.000Z',
  actor: { id: 'usr_1', name: 'Ada', kind: 'user' },
  channel: 'api',
  changes: [{ field: '/discountPercent', from: 5, to: 10 }],
  ...over,
});

describe('the retry schedule', () => {
  it('tries at least 8 more times over at least 27 hours, in the published steps, with jitter', () => {
    expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(9);
    expect([...RETRY_DELAYS_SECONDS].slice(0, 7)).toEqual([5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]);
    const total = RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0);
    expect(total * 0.9).toBeGreaterThan(27 * 3600);
    expect(nextDelaySeconds(1, () => 0)).toBeCloseTo(4.5);
    expect(nextDelaySeconds(1, () => 1)).toBeCloseTo(5.5);
    expect(nextDelaySeconds(MAX_ATTEMPTS, () => 0.5)).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date, within bounds', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    expect(retryAfterSeconds('7', now)).toBe(7);
    expect(retryAfterSeconds('Thu, 03 Dec 2026 12:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds(undefined, now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBe(60);
    expect(retryAfterSeconds('999999', now)).toBe(3600);
    expect(retryAfterSeconds('0', now)).toBe(1);
  });
});

describe('events from audit entries', () => {
  it('names record changes in the past tense and outcomes by what happened, with stable ids', () => {
    expect(eventsOf(entry({ action: 'create' }))[0]?.type).toBe('quote.created');
    expect(eventsOf(entry({ action: 'approval-run-approved' }))[0]?.type).toBe('quote.approved');
    expect(eventsOf(entry({ action: 'approval-run-rejected' }))[0]?.type).toBe('quote.rejected');
    expect(eventsOf(entry({ recordType: 'ticket', action: 'sla-breach' }))[0]?.type).toBe(
      'ticket.sla_breached',
    );
    expect(eventsOf(entry({ recordType: 'order', action: 'credit-hold' }))[0]?.type).toBe(
      'order.credit_held',
    );
    expect(eventsOf(entry({ recordType: 'webhook-endpoint', action: 'disabled' }))[0]?.type).toBe(
      'webhook.endpoint.disabled',
    );
    const [first] = eventsOf(entry({}));
    const [again] = eventsOf(entry({}));
    expect(first?.id).toBe('evt_01JAUDIT0000000000000000000');
    expect(again?.id).toBe(first?.id);
  });

  it('adds lead.routed to a lead created with a routing decision', () => {
    const events = eventsOf(
      entry({
        recordType: 'lead',
        action: 'create',
        changes: [
          { field: '/ownerId', to: 'usr_2' },
          { field: '/routing', to: {} },
        ],
      }),
    );
    expect(events.map((e) => e.type)).toEqual(['lead.created', 'lead.routed']);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('leaves the values out of an event too large to send, keeping the field names', () => {
    const big = 'x'.repeat(MAX_CHANGES_BYTES);
    const [event] = eventsOf(entry({ changes: [{ field: '/notes', from: '', to: big }] }));
    expect(event?.data.truncated).toBe(true);
    expect(event?.data.changes).toEqual([{ field: '/notes' }]);
  });

  it('matches subscriptions exactly, by prefix, or all — but `*` never takes webhook notices', () => {
    expect(matches(['quote.approved'], 'quote.approved')).toBe(true);
    expect(matches(['quote.approved'], 'quote.rejected')).toBe(false);
    expect(matches(['quote.*'], 'quote.rejected')).toBe(true);
    expect(matches(['quote.*'], 'quotes.rejected')).toBe(false);
    expect(matches(['*'], 'lead.routed')).toBe(true);
    expect(matches(['*'], 'webhook.endpoint.disabled')).toBe(false);
    expect(matches(['webhook.*'], 'webhook.endpoint.disabled')).toBe(true);
  });
});

describe('the SSRF guard', () => {
  it('refuses loopback, private, link-local (metadata), unique-local, mapped and unspecified addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
      'fe80::1',
    ])
      expect(refusal(address, 443), address).toBeDefined();
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])
      expect(refusal(address, 443), address).toBeUndefined();
  });

  it('allows only the exceptions the local hub names: loopback, or one exact origin', () => {
    expect(refusal('127.0.0.1', 8080, { allow: ['loopback'] })).toBeUndefined();
    expect(refusal('169.254.169.254', 80, { allow: ['loopback'] })).toBeDefined();
    expect(refusal('127.0.0.1', 8080, { allow: ['127.0.0.1:8080'] })).toBeUndefined();
    expect(refusal('127.0.0.1', 8081, { allow: ['127.0.0.1:8080'] })).toBeDefined();
  });

  it('refuses a name that resolves to a private address before connecting, and says why', async () => {
    const sender = new HttpWebhookSender({
      resolve: (_host, _options, callback) => callback(null, [{ address: '10.0.0.7', family: 4 }]),
    });
    const result = await sender.post({
      url: 'https://internal.example.com/hook',
      headers: {},
      body: '{}',
      timeoutMs: 1000,
    });
    expect(result.kind).toBe('refused');
    expect(result.kind === 'refused' && result.error).toContain('10.0.0.7 is a private address');
  });

  it('refuses a name when any of its addresses is private (round-robin DNS)', async () => {
    const sender = new HttpWebhookSender({
      resolve: (_host, _options, callback) =>
        callback(null, [
          { address: '93.184.216.34', family: 4 },
          { address: '192.168.0.10', family: 4 },
        ]),
    });
    const result = await sender.post({
      url: 'https://mixed.example.com/hook',
      headers: {},
      body: '{}',
      timeoutMs: 1000,
    });
    expect(result.kind).toBe('refused');
  });

  it('refuses an IP literal without any connection', async () => {
    const result = await new HttpWebhookSender().post({
      url: 'http://[::1]:9/hook',
      headers: {},
      body: '{}',
      timeoutMs: 1000,
    });
    expect(result).toMatchObject({ kind: 'refused', latencyMs: 0 });
  });
});
