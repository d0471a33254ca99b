/**
 * The public web-form endpoint on the local hub, as a browser and a bot meet it: form-encoded and
 * JSON posts, field mapping, CORS for the listed sites only, the honeypot, the per-client rate
 * limit, and hostile or duplicated input refused with problem+json while nothing is created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { LeadOrg } from '../support/lead-routing.ts';

let hub: TestHub;
let org: LeadOrg;
let formId: string;
let tightFormId: string;

const SITE = 'https://www.example.com';

const formContent = (extra: Record<string, unknown> = {}) => ({
  name: 'Contact us',
  fields: {
    'your-email': 'email',
    fname: 'firstName',
    lname: 'lastName',
    company: 'company',
    phone: 'phone',
    size: 'employees',
    country: 'country',
  },
  honeypotField: 'website',
  ignoreFields: ['submit'],
  source: 'website-contact',
  allowedOrigins: [SITE],
  rateLimit: { requests: 50, windowSeconds: 3600 },
  defaultCountry: 'DE',
  ...extra,
});

beforeAll(async () => {
  hub = await startTestHub();
  org = new LeadOrg(hub.api);
  await org.user('wendy');
  await org.queue('Web', ['wendy']);
  await org.routing({
    name: 'Web routing',
    scoring: [
      { name: 'From the website', when: { fact: 'source', op: 'eq', value: 'website-contact' }, points: 5 },
    ],
    rules: [],
    fallbackQueueId: org.queues.Web,
  });
  formId = (await hub.api.post('/v1/admin/lead-forms', { content: formContent(), activate: true })).body.id;
  tightFormId = (
    await hub.api.post('/v1/admin/lead-forms', {
      content: formContent({ name: 'Tight', rateLimit: { requests: 3, windowSeconds: 3600 } }),
      activate: true,
    })
  ).body.id;
});
afterAll(() => hub?.stop());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const postForm = (id: string, body: string, headers: Record<string, string> = {}) =>
  hub.api.call('POST', `/v1/forms/${id}`, {
    as: null,
    rawBody: body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, ...headers },
  });

let n = 0;
const person = () => {
  n++;
  return { 'your-email': `visitor${n}.${Date.now()}@example.org`, lname: `Visitor ${n}` };
};

const leadsFrom = async (email: string) => (await hub.api.all('leads')).filter((l) => l.email === email);

describe('web form posts', () => {
  it('creates a routed lead from a form-encoded post, mapping and normalising its fields', async () => {
    const who = person();
    const response = await postForm(
      formId,
      form({
        ...who,
        'your-email': ` ${who['your-email'].toUpperCase()} `,
        fname: ' Wanda ',
        phone: '0151 2345 6789',
        size: '1,200',
        country: 'at',
        submit: 'Send',
      }),
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, submissionId: expect.stringMatching(/^sub_/) });
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(response.headers.get('vary')).toBe('Origin');
    const [lead] = await leadsFrom(who['your-email']);
    expect(lead).toMatchObject({
      firstName: 'Wanda',
      lastName: who.lname,
      phone: '+4915123456789',
      employees: 1200,
      country: 'AT',
      source: 'website-contact',
      score: 5,
      ownerId: org.users.wendy,
    });
    // The follow-up flow may already have noted the owner's notice: the create entry is found by action.
    const history = (await hub.api.get(`/v1/leads/${lead.id}/history`)).body.items as { action: string }[];
    const created = history.find((entry) => entry.action === 'create');
    expect(created).toMatchObject({
      action: 'create',
      channel: 'web-form',
      actor: { id: formId, name: 'Web form Contact us', kind: 'system' },
      context: { formId, formVersion: 1, submissionId: response.body.submissionId, origin: SITE },
    });
    expect((created as { summary?: string }).summary).toMatch(
      /^Created from web form 'Contact us'; no rule matched/,
    );
  });

  it('takes JSON too', async () => {
    const who = person();
    const response = await hub.api.call('POST', `/v1/forms/${formId}`, {
      as: null,
      body: { ...who, size: 40 },
      headers: { origin: SITE },
    });

    expect(response.status).toBe(200);
    expect((await leadsFrom(who['your-email']))[0]).toMatchObject({ employees: 40 });
  });

  it('merges a second post by the same person into the first lead', async () => {
    const who = person();
    await postForm(formId, form(who));
    const again = await postForm(formId, form({ ...who, company: 'Later Ltd' }));

    expect(again.status).toBe(200);
    const leads = await leadsFrom(who['your-email']);
    expect(leads).toHaveLength(1);
    expect(leads[0].company).toBe('Later Ltd');
    const merge = (
      (await hub.api.get(`/v1/leads/${leads[0].id}/history`)).body.items as {
        action: string;
        summary?: string;
      }[]
    ).find((entry) => entry.action === 'merge');
    expect(merge).toMatchObject({ action: 'merge', channel: 'web-form' });
    expect(merge?.summary).toBe(
      "Merged a duplicate submission from web form 'Contact us' (same email): filled company",
    );
  });

  it('answers a filled honeypot like a success and creates nothing', async () => {
    const who = person();
    const response = await postForm(formId, form({ ...who, website: 'http://spam.example' }));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, submissionId: expect.stringMatching(/^sub_/) });
    expect(await leadsFrom(who['your-email'])).toEqual([]);
  });
});

describe('CORS', () => {
  it('allows a listed site’s preflight and no other’s', async () => {
    const preflight = (origin: string, method = 'POST') =>
      hub.api.call('OPTIONS', `/v1/forms/${formId}`, {
        as: null,
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(SITE);
    const other = await preflight('https://evil.example');
    const wrongMethod = await preflight(SITE, 'DELETE');
    const unknownForm = await hub.api.call('OPTIONS', '/v1/forms/lfm_01JD0000000000000000000000', {
      as: null,
      headers: { origin: SITE },
    });

    expect(allowed.status).toBe(204);
    expect(allowed.text).toBe('');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, x-correlation-id');
    expect(other.status).toBe(403);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(wrongMethod.status).toBe(403);
    expect(unknownForm.status).toBe(404);
  });

  it('refuses a post from a site the form does not list, creating nothing, and gives it no CORS headers', async () => {
    const who = person();
    const response = await postForm(formId, form(who), { origin: 'https://evil.example' });

    expect(response.status).toBe(403);
    expect(response.body.type).toBe('/problems/origin-not-allowed');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await leadsFrom(who['your-email'])).toEqual([]);
  });

  it('puts CORS headers on errors for a listed site, so its page can read them', async () => {
    const wrongType = await postForm(formId, 'x', { 'content-type': 'text/plain' });

    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('access-control-allow-origin')).toBe(SITE);
  });
});

describe('rate limit', () => {
  it('lets a client post a limited number of times per window, then answers 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof postForm>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await postForm(tightFormId, form(person()));
      statuses.push(last.status);
    }

    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last?.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.body).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
  });

  it('never lets concurrent posts past the limit', async () => {
    const limited = (
      await hub.api.post('/v1/admin/lead-forms', {
        content: formContent({ name: 'Burst', rateLimit: { requests: 5, windowSeconds: 3600 } }),
        activate: true,
      })
    ).body.id;
    const responses = await Promise.all(Array.from({ length: 20 }, () => postForm(limited, form(person()))));

    expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(15);
  });
});

describe('hostile and duplicated input', () => {
  it('refuses bad posts with problem+json naming the form’s own fields, and creates nothing', async () => {
    const before = (await hub.api.all('leads')).length;
    const cases = await Promise.all([
      postForm(formId, form({ 'your-email': 'not-an-email', lname: 'X' })),
      postForm(formId, form({ 'your-email': 'a@example.org' })),
      postForm(formId, form({ 'your-email': 'a@example.org', lname: 'X', isAdmin: 'true' })),
      postForm(formId, 'your-email=a%40example.org&lname=X&lname=Y'),
      postForm(formId, form({ 'your-email': 'a@example.org', lname: 'X\u202Eevil' })),
      postForm(formId, form({ 'your-email': 'a@example.org', lname: 'x'.repeat(20_000) })),
      postForm(formId, form({ 'your-email': 'a@example.org', lname: 'X', phone: '12' })),
      hub.api.call('POST', `/v1/forms/${formId}`, {
        as: null,
        body: { 'your-email': 'a@example.org', lname: { $ne: 1 } },
      }),
      hub.api.call('POST', `/v1/forms/${formId}`, {
        as: null,
        rawBody: '{"lname":',
        headers: { 'content-type': 'application/json' },
      }),
      postForm('lfm_01JD0000000000000000000000', form({ 'your-email': 'a@example.org', lname: 'X' })),
      postForm('../../admin', form({ 'your-email': 'a@example.org', lname: 'X' })),
    ]);

    expect(cases.map((c) => c.status)).toEqual([422, 422, 422, 400, 422, 413, 422, 422, 400, 404, 404]);
    for (const c of cases) expect(c.headers.get('content-type')).toBe('application/problem+json');
    expect(cases[0]?.body.errors).toEqual([expect.objectContaining({ pointer: '/your-email' })]);
    expect(cases[1]?.body.errors).toEqual([expect.objectContaining({ pointer: '/lname' })]);
    expect(cases[2]?.body.errors).toEqual([
      expect.objectContaining({ pointer: '/isAdmin', code: 'unknown_field' }),
    ]);
    expect(cases[6]?.body.errors).toEqual([expect.objectContaining({ pointer: '/phone' })]);
    expect((await hub.api.all('leads')).length).toBe(before);
  });

  it('refuses a form that is not active', async () => {
    const draft = (await hub.api.post('/v1/admin/lead-forms', { content: formContent({ name: 'Draft' }) }))
      .body.id;
    const response = await postForm(draft, form(person()));

    expect(response.status).toBe(404);
    expect(response.body.detail).toContain('is not active');
  });

  it('refuses form documents that could never work', async () => {
    const create = (content: Record<string, unknown>) => hub.api.post('/v1/admin/lead-forms', { content });
    const badOrigin = await create(
      formContent({ allowedOrigins: ['https://www.example.com/contact', 'example.com'] }),
    );
    const badMapping = await create({
      name: 'Broken',
      fields: { email: 'email', mail2: 'email' },
      honeypotField: 'email',
    });
    const pointers = (r: { body: { errors: { pointer: string }[] } }) =>
      r.body.errors.map((e) => e.pointer).sort();

    expect([badOrigin.status, badMapping.status]).toEqual([422, 422]);
    expect(pointers(badOrigin)).toEqual(['/content/allowedOrigins/0', '/content/allowedOrigins/1']);
    expect(pointers(badMapping)).toEqual([
      '/content/fields',
      '/content/fields/mail2',
      '/content/honeypotField',
    ]);
  });
});
