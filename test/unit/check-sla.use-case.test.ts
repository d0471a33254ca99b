import './support/env.ts';
import { describe, expect, it } from 'vitest';
import type { EmailMessage } from '#connectors/email/email-sender';
import type { SmsMessage, SmsResult } from '#connectors/sms/sms-sender';
import { advanceSla } from '#functions/tickets/domain/sla-clock';
import type { TicketDeps } from '#functions/tickets/ports';
import { checkTicketSla } from '#functions/tickets/use-cases/check-sla.use-case';
import { SlaPolicy } from '#schemas/admin/sla-policy';
import type { TicketSla } from '#schemas/admin/sla-ticket';
import type { StoredRecord } from '#schemas/common';
import type { SurveyLink } from '#store/survey-store';
import { MemoryOutbox } from '../support/memory-outbox.ts';
import { testId } from './support/builders.ts';
import { MemoryRecords } from './support/memory-records.ts';

const allDay = [{ start: '00:00', end: '24:00' }];
const POLICY = SlaPolicy.parse({
  name: 'Round the clock',
  calendar: {
    timeZone: 'UTC',
    week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
  },
  targets: ['P1', 'P2', 'P3', 'P4'].map((priority) => ({
    priority,
    firstResponseMinutes: 60,
    resolutionMinutes: 240,
  })),
  escalations: [
    { atPercent: 75, notify: 'agent', channels: ['email'] },
    { atPercent: 100, notify: 'team-lead', channels: ['sms'] },
  ],
  autoClose: { resolvedAfterBusinessDays: 1, pendingCustomerAfterBusinessDays: 2 },
});
const POLICY_REF = { id: testId('slp', 1), version: 1, name: 'Round the clock' };
const CREATED = new Date('2026-03-02T10:00:00.000Z');
const at = (minutes: number) => new Date(CREATED.getTime() + minutes * 60_000);

function setup(options: { leadPhone?: string; leadOptedOut?: boolean; carrierOptOut?: boolean } = {}) {
  const store = new MemoryRecords();
  const emails: EmailMessage[] = [];
  const texts: SmsMessage[] = [];
  let now = CREATED;
  store.put('user', { id: testId('usr', 3), name: 'Bea Boss', email: 'bea@example.com' });
  store.put('user', {
    id: testId('usr', 2),
    name: 'Lee Lead',
    email: 'lee@example.com',
    managerId: testId('usr', 3),
    ...(options.leadPhone ? { phone: options.leadPhone } : {}),
    smsOptOut: options.leadOptedOut === true,
  });
  store.put('user', {
    id: testId('usr', 1),
    name: 'Alex Agent',
    email: 'alex@example.com',
    managerId: testId('usr', 2),
  });
  const { sla } = advanceSla({
    previous: undefined,
    ticket: { status: 'new', priority: 'P1' },
    policy: POLICY,
    policyRef: POLICY_REF,
    tier: 'standard',
    now: CREATED,
  });
  const ticketId = testId('tkt', 1);
  store.put('ticket', {
    id: ticketId,
    subject: 'Printer <on> fire',
    priority: 'P1',
    status: 'new',
    ownerId: testId('usr', 1),
    sla,
  });
  let n = 100;
  const deps: TicketDeps = {
    store,
    now: () => now,
    newId: (prefix: string) => testId(prefix, n++),
    versions: {
      get: async <T>() => ({
        version: 1,
        content: POLICY as T,
        createdAt: CREATED.toISOString(),
        createdBy: 'x',
      }),
      list: async () => {
        throw new Error('the SLA check reads one version, never a list');
      },
      put: () => {
        throw new Error('the SLA check writes no document version');
      },
    },
    email: {
      send: async (m: EmailMessage) => {
        emails.push(m);
        return { messageId: `m${emails.length}` };
      },
    },
    sms: {
      send: async (m: SmsMessage): Promise<SmsResult> => {
        if (options.carrierOptOut) return { sent: false, reason: 'opted-out' };
        texts.push(m);
        return { sent: true, messageId: `s${texts.length}` };
      },
    },
    surveys: { create: async (_l: SurveyLink) => {} },
    outbox: new MemoryOutbox(),
    linkBaseUrl: 'https://junction.example.com',
  };
  const ticket = async () => (await store.get('ticket', ticketId)) as StoredRecord & { sla: TicketSla };
  return { deps, store, emails, texts, ticketId, ticket, setNow: (d: Date) => (now = d) };
}

describe('checkTicketSla', () => {
  it('on its first check sends nothing and answers the next point to wait for', async () => {
    const { deps, emails, ticketId } = setup();
    const result = await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: null });
    expect(result).toEqual({ ticketId, generation: 1, next: 'wait', wokeFor: at(45).toISOString(), did: [] });
    expect(emails).toEqual([]);
  });

  it('acts on everything up to the point it waited for, even when the wall clock lags behind (scaled time)', async () => {
    const { deps, emails, texts, ticketId, ticket, store } = setup({ leadPhone: '+4915112340002' });
    const result = await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(60).toISOString() });
    expect(emails.map((m) => m.to)).toEqual([['alex@example.com']]);
    expect(emails[0]?.html).toContain('Printer &lt;on&gt; fire');
    expect(texts.map((t) => t.to)).toEqual(['+4915112340002']);
    const sla = (await ticket()).sla;
    expect(sla.escalations.map((e) => [e.key, e.dueAt])).toEqual([
      ['firstResponse:75:agent', at(45).toISOString()],
      ['firstResponse:100:team-lead', at(60).toISOString()],
    ]);
    expect(sla.breaches).toEqual([
      {
        clock: 'firstResponse',
        dueAt: at(60).toISOString(),
        recordedAt: CREATED.toISOString(),
        priority: 'P1',
      },
    ]);
    expect(sla.firstResponse.breachedAt).toBe(at(60).toISOString());
    expect(store.audits.map((a) => [a.action, a.actor.id])).toEqual([['sla-breach', 'ticket-sla']]);
    expect(result).toMatchObject({ next: 'wait', wokeFor: at(180).toISOString() });
  });

  it('sends a level once, however often the same point is checked again', async () => {
    const { deps, emails, ticketId, ticket } = setup();
    await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(45).toISOString() });
    await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(45).toISOString() });
    expect(emails).toHaveLength(1);
    expect((await ticket()).sla.escalations).toHaveLength(1);
  });

  it('sends no alert twice when the task is retried after the ticket could not be written', async () => {
    const { deps, emails, texts, ticketId, ticket, store } = setup({ leadPhone: '+4915112340002' });
    const replace = store.replace.bind(store);
    let failures = 1;
    store.replace = async (...args) => {
      if (failures-- > 0) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return replace(...args);
    };

    await expect(
      checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(60).toISOString() }),
    ).rejects.toThrow('throttled');
    const sentBefore = [emails.length, texts.length];
    await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(60).toISOString() });

    expect(sentBefore).toEqual([1, 1]);
    expect([emails.length, texts.length]).toEqual([1, 1]);
    expect((await ticket()).sla.escalations.map((e) => e.notify)).toEqual(['agent', 'team-lead']);
  });

  it('texts on the retry only, when SNS refused the SMS after the email of the same check went out', async () => {
    const { deps, emails, texts, ticketId, ticket } = setup({ leadPhone: '+4915112340002' });
    const sms = deps.sms;
    let failures = 1;
    const flaky = {
      ...deps,
      sms: {
        send: async (m: SmsMessage) => {
          if (failures-- > 0)
            throw Object.assign(new Error('InternalError'), { $metadata: { httpStatusCode: 500 } });
          return sms.send(m);
        },
      },
    } satisfies TicketDeps;

    await expect(
      checkTicketSla(flaky, { ticketId, generation: 1, wokeFor: at(60).toISOString() }),
    ).rejects.toThrow('InternalError');
    await checkTicketSla(flaky, { ticketId, generation: 1, wokeFor: at(60).toISOString() });

    expect([emails.length, texts.length]).toEqual([1, 1]);
    const lead = (await ticket()).sla.escalations.find((e) => e.notify === 'team-lead');
    expect(lead?.deliveries).toEqual([{ channel: 'sms', to: testId('usr', 2), outcome: 'sent' }]);
  });

  it('emails the alert instead when the team lead has no mobile or opted out, and says why', async () => {
    for (const [options, reason] of [
      [{}, 'no mobile number'],
      [{ leadPhone: '+4915112340002', leadOptedOut: true }, 'SMS opted out'],
      [{ leadPhone: '+4915112340002', carrierOptOut: true }, 'the number opted out at the carrier'],
    ] as const) {
      const { deps, emails, texts, ticketId, ticket } = setup(options);
      await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(60).toISOString() });
      expect(texts).toEqual([]);
      expect(emails.map((m) => m.to[0])).toEqual(['alex@example.com', 'lee@example.com']);
      const lead = (await ticket()).sla.escalations.find((e) => e.notify === 'team-lead');
      expect(lead?.deliveries).toEqual([
        { channel: 'sms', to: testId('usr', 2), outcome: 'skipped', reason },
        { channel: 'email', to: testId('usr', 2), outcome: 'sent', reason: `instead of SMS: ${reason}` },
      ]);
    }
  });

  it('retires when a newer generation watches the ticket, sending nothing', async () => {
    const { deps, emails, ticketId } = setup();
    const result = await checkTicketSla(deps, { ticketId, generation: 0, wokeFor: at(60).toISOString() });
    expect(result).toMatchObject({ next: 'done', did: ['superseded by generation 1'] });
    expect(emails).toEqual([]);
  });

  it('finds nothing to do on a paused clock: the pause is read from the ticket, not from the wait', async () => {
    const { deps, emails, ticketId, store } = setup();
    const current = (await store.get('ticket', ticketId)) as StoredRecord & { sla: TicketSla };
    const paused = advanceSla({
      previous: current.sla,
      ticket: { status: 'pending_customer', priority: 'P1' },
      policy: POLICY,
      policyRef: POLICY_REF,
      tier: 'standard',
      now: at(10),
    });
    store.put('ticket', { ...current, status: 'pending_customer', sla: { ...paused.sla, generation: 1 } });
    const result = await checkTicketSla(deps, { ticketId, generation: 1, wokeFor: at(60).toISOString() });
    expect(emails).toEqual([]);
    // Only the quiet-customer close is ahead: two business days after the pause.
    expect(result).toMatchObject({ next: 'wait', wokeFor: at(10 + 2 * 1440).toISOString() });
  });
});
