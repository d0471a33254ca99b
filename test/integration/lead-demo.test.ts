/** The demo organisation `npm start` seeds routes leads, takes web forms and duns invoices out of the box. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ seed: true });
});
afterAll(() => hub?.stop());

describe('demo lead routing', () => {
  it('routes an EMEA enterprise lead to the inbound sales team and explains it', async () => {
    const lead = await hub.api.post(
      '/v1/leads',
      {
        lastName: 'Demo',
        email: 'demo.lead@prospect.example',
        country: 'de',
        employees: 800,
        phone: '+4915100000001',
      },
      { as: 'integration' },
    );
    const users = await hub.api.all('users');
    const team = users.filter((u) => ['Ana Seller', 'Ben Seller'].includes(u.name)).map((u) => u.id);

    expect(lead.status).toBe(201);
    expect(team).toContain(lead.body.ownerId);
    expect(lead.body).toMatchObject({
      score: 60,
      hot: true,
      routing: { rule: 'EMEA enterprise', followUpHours: 4 },
    });
  });

  it('takes a post of its "Contact us" form from the demo page origin', async () => {
    const forms = (await hub.api.get('/v1/admin/lead-forms')).body.items;
    const response = await hub.api.call('POST', `/v1/forms/${forms[0].id}`, {
      as: null,
      rawBody: 'email=visitor%40example.org&last_name=Visitor&first_name=Vera&submit=Send',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:8080' },
    });

    expect(forms.map((f: { name: string }) => f.name)).toEqual(['Contact us']);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
  });

  it('has an active dunning policy whose dry run plans four reminders in Berlin office hours, holidays off', async () => {
    const policies = (await hub.api.get('/v1/admin/dunning-policies', { as: 'finance' })).body.items;
    expect(policies).toEqual([
      expect.objectContaining({ name: 'Standard dunning (Berlin)', activeVersion: 1 }),
    ]);
    const dry = await hub.api.post(
      '/v1/admin/dunning-policies/simulate',
      { invoice: { dueDate: '2026-12-18', amount: 1_000_00, currency: 'EUR', customer: 'Acme Europe GmbH' } },
      { as: 'finance' },
    );
    expect(dry.status).toBe(200);
    expect(dry.body.levels.map((l: { level: string; atLocal: string }) => [l.level, l.atLocal])).toEqual([
      ['Friendly reminder', 'Tue 15 Dec 2026, 09:00 (Europe/Berlin)'],
      // Christmas and New Year's Day are holidays: the next working morning.
      ['Overdue', 'Mon 28 Dec 2026, 09:00 (Europe/Berlin)'],
      ['Second notice', 'Mon 4 Jan 2027, 09:00 (Europe/Berlin)'],
      ['Call the customer', 'Mon 18 Jan 2027, 09:00 (Europe/Berlin)'],
    ]);
    expect(dry.body.levels[2].text).toContain('With our fee of €10.00 you owe €1,010.00.');
  });
});
