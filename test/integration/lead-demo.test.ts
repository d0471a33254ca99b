/** The demo organisation `npm start` seeds routes leads and takes web forms out of the box. */
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
});
