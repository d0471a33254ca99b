/**
 * Bad, hostile and oversized input: each case gets a clear 4xx problem, never a 5xx, and
 * leaves the table exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createProduct, validProduct, validQuote } from '../support/fixtures.ts';
import { type ApiResponse, startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
let accountId: string;
let productId: string;
let quote: ReturnType<typeof validQuote>;

beforeAll(async () => {
  hub = await startTestHub();
  accountId = await createAccount(hub.api);
  productId = await createProduct(hub.api);
  quote = validQuote(accountId, productId);
});
afterAll(() => hub?.stop());

const snapshot = async () => {
  const collections = ['accounts', 'contacts', 'leads', 'products', 'quotes', 'users', 'queues', 'tickets'];
  const all = await Promise.all(collections.map((c) => hub.api.all(c)));
  return JSON.stringify(all);
};

function expectProblem(response: ApiResponse, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.body.status).toBe(status);
  expect(response.body.detail).toEqual(expect.any(String));
  expect(response.text).not.toMatch(/at .*\.ts:\d+/); // no stack traces
}

const line = (over: Record<string, unknown>) => ({ ...quote, lines: [{ productId, quantity: 1, ...over }] });

describe('hostile input to POST /v1/quotes writes nothing and never fails with 5xx', () => {
  const cases: [string, () => Record<string, unknown>, string][] = [
    ['a negative quantity', () => line({ quantity: -5 }), '/lines/0/quantity'],
    ['a fractional quantity', () => line({ quantity: 1.5 }), '/lines/0/quantity'],
    ['a quantity over the limit', () => line({ quantity: 10_000_001 }), '/lines/0/quantity'],
    ['a 101 % line discount', () => line({ discountPercent: 101 }), '/lines/0/discountPercent'],
    ['a negative discount', () => line({ discountPercent: -1 }), '/lines/0/discountPercent'],
    ['a discount with three decimals', () => line({ discountPercent: 12.345 }), '/lines/0/discountPercent'],
    ['a 101 % header discount', () => ({ ...quote, discountPercent: 101 }), '/discountPercent'],
    ['an unknown currency', () => ({ ...quote, currency: 'XYZ' }), '/currency'],
    ['a lower-case currency', () => ({ ...quote, currency: 'eur' }), '/currency'],
    ['a float unit price', () => line({ unitPrice: 10.5 }), '/lines/0/unitPrice'],
    ['a negative unit price', () => line({ unitPrice: -100 }), '/lines/0/unitPrice'],
    ['a price given as a string', () => line({ unitPrice: '100' }), '/lines/0/unitPrice'],
    ['a number as the name', () => ({ ...quote, name: 42 }), '/name'],
    ['an object as the name', () => ({ ...quote, name: { $gt: '' } }), '/name'],
    ['an array as the account', () => ({ ...quote, accountId: [accountId] }), '/accountId'],
    ['a huge name', () => ({ ...quote, name: 'x'.repeat(100_000) }), '/name'],
    ['an empty name', () => ({ ...quote, name: '   ' }), '/name'],
    ['control characters in the name', () => ({ ...quote, name: 'bad\u0000name' }), '/name'],
    ['a lone surrogate in the name', () => ({ ...quote, name: 'bad\ud800name' }), '/name'],
    ['SQL in the account id', () => ({ ...quote, accountId: "acc_1' OR '1'='1" }), '/accountId'],
    [
      'a DynamoDB key in the account id',
      () => ({ ...quote, accountId: 'account#acc_01JD0000000000000000000000' }),
      '/accountId',
    ],
    ['an impossible date', () => ({ ...quote, validUntil: '2027-02-30' }), '/validUntil'],
    ['no lines', () => ({ ...quote, lines: [] }), '/lines'],
    [
      '201 lines',
      () => ({ ...quote, lines: Array.from({ length: 201 }, () => ({ productId, quantity: 1 })) }),
      '/lines',
    ],
    ['an unknown field', () => ({ ...quote, approved: true }), '/approved'],
    ['a server-owned field', () => ({ ...quote, status: 'approved' }), '/status'],
    [
      'a __proto__ field',
      () => JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(quote).slice(1)}`),
      '/__proto__',
    ],
    [
      'a product that does not exist',
      () => line({ productId: 'prd_01JD0000000000000000000000' }),
      '/lines/0/productId',
    ],
  ];

  it.each(cases)('refuses %s with 422 naming the field', async (_, body, pointer) => {
    const before = await snapshot();
    const response = await hub.api.post('/v1/quotes', body());

    expectProblem(response, 422);
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect(await snapshot()).toBe(before);
  });

  it('accepts unicode and injection-looking text in free text and stores it verbatim', async () => {
    const name = `Zoë 北京 🚀 O'Brien <script>alert(1)</script> '; DROP TABLE quotes; -- \${jndi:ldap://x}`;
    const created = await hub.api.post('/v1/quotes', { ...quote, name });
    const read = await hub.api.get(`/v1/quotes/${created.body.id}`);

    expect(created.status).toBe(201);
    expect(read.body.name).toBe(name);
  });
});

describe('malformed requests', () => {
  const raw = (body: string | Buffer, contentType?: string) =>
    hub.api.call('POST', '/v1/accounts', {
      rawBody: body,
      headers: contentType ? { 'content-type': contentType } : {},
    });

  it.each([
    ['malformed JSON', () => raw('{"name": "Acme",', 'application/json'), 400, '/problems/malformed-json'],
    ['a JSON array', () => raw('[{"name":"Acme"}]', 'application/json'), 400, '/problems/bad-request'],
    ['JSON null', () => raw('null', 'application/json'), 400, '/problems/bad-request'],
    ['an empty body', () => raw('', 'application/json'), 400, '/problems/bad-request'],
    [
      'a text/plain body',
      () => raw('{"name":"Acme"}', 'text/plain'),
      415,
      '/problems/unsupported-media-type',
    ],
    [
      'a form-encoded body',
      () => raw('name=Acme', 'application/x-www-form-urlencoded'),
      415,
      '/problems/unsupported-media-type',
    ],
    ['no content type', () => raw('{"name":"Acme"}'), 415, '/problems/unsupported-media-type'],
    [
      'a 300 KiB body',
      () => raw(JSON.stringify({ name: 'x'.repeat(300 * 1024) }), 'application/json'),
      413,
      '/problems/payload-too-large',
    ],
    [
      'deeply nested JSON',
      () => raw(`{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'application/json'),
      422,
      '/problems/validation-failed',
    ],
  ] as const)('answers %s with its own clear problem', async (_, send, status, type) => {
    const before = await snapshot();
    const response = await send();

    expectProblem(response, status);
    expect(response.body.type).toBe(type);
    expect(await snapshot()).toBe(before);
  });

  it('refuses an unknown query parameter and a bad filter value with 400', async () => {
    const unknown = await hub.api.get('/v1/leads?colour=red');
    const badStatus = await hub.api.get('/v1/leads?status=maybe');
    const badLimit = await hub.api.get('/v1/leads?limit=1000');

    for (const response of [unknown, badStatus, badLimit]) expectProblem(response, 400);
    expect(unknown.body.errors[0].pointer).toBe('/colour');
  });

  it('refuses a forged or foreign cursor with 400', async () => {
    const forged = await hub.api.get(
      `/v1/accounts?cursor=${Buffer.from('{"pk":"x"}').toString('base64url')}`,
    );
    const garbage = await hub.api.get('/v1/accounts?cursor=%%%');
    const otherList = await hub.api.get(
      `/v1/accounts?cursor=${Buffer.from(JSON.stringify({ pk: 'a', sk: 'b', gsi1pk: 'contact', gsi1sk: 'c' })).toString('base64url')}`,
    );

    for (const response of [forged, garbage, otherList]) expectProblem(response, 400);
  });

  it('answers ids of the wrong shape with 404 without touching anything', async () => {
    const responses = await Promise.all([
      hub.api.get(`/v1/accounts/${'a'.repeat(2000)}`),
      hub.api.get('/v1/accounts/..%2F..%2Fetc%2Fpasswd'),
      hub.api.patch('/v1/accounts/acc_x', { name: 'x' }),
    ]);

    for (const response of responses) expectProblem(response, 404);
  });

  it('refuses a PATCH that would make the record invalid and changes nothing', async () => {
    const product = await hub.api.post('/v1/products', validProduct('PATCH-ME'));
    const before = await snapshot();
    const response = await hub.api.patch(`/v1/products/${product.body.id}`, {
      unitPrice: -1,
      currency: null,
      colour: 'red',
    });

    expectProblem(response, 422);
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/colour',
      '/currency',
      '/unitPrice',
    ]);
    expect(await snapshot()).toBe(before);
  });
});

describe('duplicated input', () => {
  it('lets a double-clicked create with an Idempotency-Key take effect once', async () => {
    const before = (await hub.api.all('accounts')).length;
    const [a, b] = await Promise.all([
      hub.api.post(
        '/v1/accounts',
        { name: 'Double click' },
        { headers: { 'idempotency-key': 'double-click-1' } },
      ),
      hub.api.post(
        '/v1/accounts',
        { name: 'Double click' },
        { headers: { 'idempotency-key': 'double-click-1' } },
      ),
    ]);

    expect([a.status, b.status].sort()).toEqual(a.status === b.status ? [201, 201] : [201, 409]);
    expect((await hub.api.all('accounts')).length).toBe(before + 1);
  });
});
