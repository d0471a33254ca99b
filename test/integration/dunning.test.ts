/**
 * Dunning on the hub, with the order-to-cash flow and the local ERP: a dunning policy is admin
 * data (validated, versioned, activated, dry-run); an invoice gets the level that fell — the
 * firmest one, the earlier overtaken — by email through the outbox, once, with its fee; a
 * payment stops the rest at once; an account on hold gets none.
 *
 * Workflow time runs 3600×, but reminders fall by the wall clock, so the levels are placed
 * around the invoice's issue date: its due date is 30 days after (the order's default terms).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { type Customer, customer } from '../support/orders.ts';

interface StoredEmail {
  subject: string;
  body: { text?: string };
  destination: { to: string[] };
}

let hub: TestHub;
const allDay = [{ start: '00:00', end: '24:00' }];
const policy = {
  name: 'Standard dunning',
  calendar: {
    timeZone: 'UTC',
    week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
    holidays: [],
  },
  levels: [
    {
      name: 'Early',
      days: -31,
      channel: 'email',
      subject: 'Early {{invoice}}',
      body: 'Never sent: overtaken.',
    },
    {
      name: 'Issued',
      days: -30,
      channel: 'email',
      subject: 'Payment reminder: invoice {{invoice}}',
      body: 'Dear {{customer}},\n\n{{outstanding}} is due on {{dueDate}} ({{daysOverdue}} days). With the fee of {{fee}}: {{total}}.',
      fee: 5_00,
    },
    { name: 'Tomorrow', days: -29, channel: 'email', subject: 'Tomorrow {{invoice}}', body: 'Due soon.' },
    {
      name: 'Call them',
      days: 5,
      channel: 'task',
      subject: 'Call {{customer}}',
      body: 'Overdue.',
      assignTo: { type: 'account-owner' },
    },
  ],
};

const emails = async () =>
  ((await (await fetch(`${hub.urls.ses}/store`)).json()) as { emails: StoredEmail[] }).emails;

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function invoicedOrder(c: Customer): Promise<{ orderId: string; invoice: Record<string, unknown> }> {
  const quoteId = await c.approvedQuote(1);
  const orderId = (await hub.api.post(`/v1/quotes/${quoteId}/order`, undefined, { as: 'finance' })).body
    .id as string;
  const confirmed = await until(
    'the sales order',
    async () => (await hub.api.get(`/v1/orders/${orderId}`)).body,
    (o) => o.status === 'confirmed',
  );
  const shipped = await fetch(`${hub.urls.erp}/api/local/ship`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sales_order: confirmed.erp.salesOrder }),
  });
  expect(shipped.status).toBe(201);
  const [invoice] = await until(
    'the invoice',
    () => hub.api.all('invoices', `order=${orderId}`),
    (i) => i.length === 1,
  );
  return { orderId, invoice: invoice as Record<string, unknown> };
}

beforeAll(async () => {
  hub = await startTestHub({ timeScale: 3600 });
});
afterAll(() => hub?.stop());

describe('dunning policies', () => {
  it('are refused with the field and the position when a template names an unknown field, and change nothing', async () => {
    const bad = structuredClone(policy);
    (bad.levels[1] as { body: string }).body = 'Dear {{contact}}';
    const refused = await hub.api.post('/v1/admin/dunning-policies', { content: bad, activate: true });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('unknown field {{contact}} at character 6');
    expect((await hub.api.get('/v1/admin/dunning-policies')).body.items).toEqual([]);
    expect(
      (await hub.api.post('/v1/admin/dunning-policies', { content: policy }, { as: 'sales' })).status,
    ).toBe(403);
  });

  it('remind an unpaid invoice with the firmest level due, once, with its fee; payment stops the rest', async () => {
    const created = await hub.api.post(
      '/v1/admin/dunning-policies',
      { content: policy, activate: true },
      { as: 'finance' },
    );
    expect(created.status).toBe(201);
    const c = await customer(hub, { seat: 1_000_00, workshop: 500_00 });
    const { orderId, invoice } = await invoicedOrder(c);

    const reminded = await until(
      'the reminder noted',
      async () => (await hub.api.get(`/v1/invoices/${invoice.id}`)).body,
      (i) => i.dunning?.sent?.some((s: { status: string }) => s.status === 'sent'),
    );
    expect(reminded.dunning).toMatchObject({
      policy: { id: created.body.id, version: 1 },
      fees: 5_00,
      sent: [
        { level: 'Early', status: 'skipped', reason: 'overtaken by Issued' },
        { level: 'Issued', status: 'sent', channel: 'email', to: c.contactEmail, fee: 5_00 },
      ],
    });
    const toContact = (await emails()).filter((e) => e.destination.to.includes(c.contactEmail));
    const reminders = toContact.filter((e) => e.subject.startsWith('Payment reminder'));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.subject).toBe(`Payment reminder: invoice ${invoice.id}`);
    expect(reminders[0]?.body.text).toBe(
      `Dear Acme Europe GmbH,\n\n€1,500.00 is due on ${invoice.dueDate} (-30 days). With the fee of €5.00: €1,505.00.`,
    );
    expect(toContact.some((e) => e.subject.startsWith('Early'))).toBe(false);

    // The dry run shows what went out and what comes next, in the policy's hours.
    const dry = await hub.api.post(
      '/v1/admin/dunning-policies/simulate',
      { invoiceId: invoice.id },
      { as: 'finance' },
    );
    expect(dry.status).toBe(200);
    expect(dry.body.policy).toMatchObject({
      id: created.body.id,
      why: 'the invoice follows this version since its first reminder',
    });
    expect(dry.body.levels.map((l: { level: string; status: string }) => [l.level, l.status])).toEqual([
      ['Early', 'skipped'],
      ['Issued', 'sent'],
      ['Tomorrow', 'scheduled'],
      ['Call them', 'scheduled'],
    ]);

    const paid = await hub.api.post(
      `/v1/invoices/${invoice.id}/payments`,
      { amount: invoice.amount, currency: 'EUR', externalId: `bank-${orderId}` },
      { as: 'integration' },
    );
    expect(paid.status).toBe(201);
    await until(
      'the order closed',
      async () => (await hub.api.get(`/v1/orders/${orderId}`)).body,
      (o) => o.status === 'closed',
    );
    const after = await hub.api.post(
      '/v1/admin/dunning-policies/simulate',
      { invoiceId: invoice.id },
      { as: 'finance' },
    );
    expect(after.body.stopped).toBe('nothing is outstanding: dunning stops');
    expect(after.body.levels.slice(2).map((l: { status: string }) => l.status)).toEqual([
      'stopped',
      'stopped',
    ]);
    expect((await hub.api.get(`/v1/invoices/${invoice.id}`)).body.dunning.sent).toHaveLength(2);
  });

  it('send nothing to an account on hold, and holding an invoice needs finance and a reason', async () => {
    const c = await customer(hub, { seat: 1_000_00, workshop: 500_00 }, { dunningHold: true });
    const { orderId, invoice } = await invoicedOrder(c);
    // The flow has looked at the payments (it emailed the invoice first) without reminding.
    await until(
      'the flow at Check Paid',
      async () => (await hub.api.get(`/v1/executions/order-to-cash.${orderId}`)).body.states ?? [],
      (states: { name: string; status: string }[]) =>
        states.some((s) => s.name === 'Check Paid' && s.status === 'succeeded'),
    );
    const dry = await hub.api.post(
      '/v1/admin/dunning-policies/simulate',
      { invoiceId: invoice.id },
      { as: 'finance' },
    );
    expect(dry.body.stopped).toBe('dunning is held for the account');
    expect((await hub.api.get(`/v1/invoices/${invoice.id}`)).body.dunning).toBeUndefined();
    expect(
      (await emails()).some(
        (e) => e.destination.to.includes(c.contactEmail) && e.subject.startsWith('Payment'),
      ),
    ).toBe(false);

    const hold = (body: unknown, as: 'finance' | 'sales' = 'finance') =>
      hub.api.post(`/v1/invoices/${invoice.id}/dunning-hold`, body, { as });
    expect((await hold({ hold: true, reason: 'Disputed' }, 'sales')).status).toBe(403);
    expect((await hold({ hold: true })).status).toBe(422);
    const held = await hold({ hold: true, reason: 'Disputed delivery' });
    expect(held.status).toBe(200);
    expect(held.body.dunning.hold).toMatchObject({ reason: 'Disputed delivery' });
    const again = await hold({ hold: true, reason: 'Disputed delivery' });
    expect(again.body.version).toBe(held.body.version);
    const resumed = await hold({ hold: false });
    expect(resumed.body.dunning.hold).toBeUndefined();
  });
});
