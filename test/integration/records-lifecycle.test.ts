import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createProduct, validQuote } from '../support/fixtures.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

describe('a record through its life', () => {
  it('creates an account with 201, an ETag, a Location, server fields and defaults', async () => {
    const response = await hub.api.post('/v1/accounts', {
      name: '  Globex  ',
      domain: 'Globex.Example',
      country: 'US',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(response.headers.get('location')).toBe(`/v1/accounts/${response.body.id}`);
    expect(response.body).toMatchObject({
      name: 'Globex',
      domain: 'globex.example',
      tier: 'standard',
      version: 1,
      archived: false,
      createdBy: expect.stringMatching(/^key_/),
    });
    expect(response.body.id).toMatch(/^acc_[0-9A-Z]{26}$/);
  });

  it('reads back exactly what it created', async () => {
    const created = await hub.api.post('/v1/contacts', {
      lastName: 'Lovelace',
      email: 'ADA@Example.com',
      phone: '+44 20 7946 0958',
    });
    const read = await hub.api.get(`/v1/contacts/${created.body.id}`);

    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.body.email).toBe('ada@example.com');
    expect(read.body.phone).toBe('+442079460958');
  });

  it('answers 404 as problem+json for an id that does not exist or is of another type', async () => {
    const accountId = await createAccount(hub.api);
    const missing = await hub.api.get('/v1/accounts/acc_01JD0000000000000000000000');
    const wrongType = await hub.api.get(`/v1/contacts/${accountId}`);

    for (const response of [missing, wrongType]) {
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body.type).toBe('/problems/not-found');
    }
  });

  it('applies a merge patch: given fields replace, null removes, the version and ETag move on', async () => {
    const id = await createAccount(hub.api, { industry: 'Manufacturing', employees: 10 });
    const response = await hub.api.patch(
      `/v1/accounts/${id}`,
      { employees: 25, industry: null },
      { headers: { 'if-match': '"v1"' } },
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"v2"');
    expect(response.body.employees).toBe(25);
    expect(response.body).not.toHaveProperty('industry');
    expect(response.body.version).toBe(2);
  });

  it('writes nothing for a patch that changes nothing', async () => {
    const id = await createAccount(hub.api, { employees: 10 });
    const response = await hub.api.patch(`/v1/accounts/${id}`, { employees: 10 });
    const history = await hub.api.get(`/v1/accounts/${id}/history`);

    expect(response.status).toBe(200);
    expect(response.body.version).toBe(1);
    expect(history.body.items).toHaveLength(1);
  });

  it('records who changed which fields from what to what, when and through which channel', async () => {
    const id = await createAccount(hub.api, { employees: 10 });
    await hub.api.patch(`/v1/accounts/${id}`, { employees: 11, tier: 'gold' }, { as: 'manager' });
    const history = await hub.api.get(`/v1/accounts/${id}/history`, { as: 'sales' });

    expect(history.status).toBe(200);
    const [update, create] = history.body.items;
    expect(update).toMatchObject({
      action: 'update',
      version: 2,
      channel: 'api',
      actor: { role: 'manager', kind: 'api-key' },
      changes: [
        { field: '/employees', from: 10, to: 11 },
        { field: '/tier', from: 'standard', to: 'gold' },
      ],
    });
    expect(Date.parse(update.at)).toBeGreaterThan(Date.parse(create.at) - 1);
    expect(update.context).toMatchObject({
      ip: '127.0.0.1',
      userAgent: expect.any(String),
      correlationId: expect.any(String),
    });
    expect(create).toMatchObject({ action: 'create', version: 1, actor: { role: 'admin' } });
  });

  it('archives on DELETE, hides the record from lists, refuses edits, and restores it', async () => {
    const id = await createAccount(hub.api, { name: 'Soon archived' });
    const archived = await hub.api.delete(`/v1/accounts/${id}`);
    const listed = await hub.api.get('/v1/accounts?limit=100');
    const listedWithArchived = await hub.api.get('/v1/accounts?limit=100&includeArchived=true');
    const edit = await hub.api.patch(`/v1/accounts/${id}`, { name: 'Nope' });
    const restored = await hub.api.post(`/v1/accounts/${id}/restore`);
    const history = await hub.api.get(`/v1/accounts/${id}/history`);

    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    expect(listed.body.items.map((a: { id: string }) => a.id)).not.toContain(id);
    expect(listedWithArchived.body.items.map((a: { id: string }) => a.id)).toContain(id);
    expect(edit.status).toBe(409);
    expect(edit.body.type).toBe('/problems/archived');
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ archived: false, version: 3 });
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual([
      'restore',
      'archive',
      'create',
    ]);
  });

  it('refuses references to records that do not exist or are archived, naming the field', async () => {
    const archivedAccount = await createAccount(hub.api);
    await hub.api.delete(`/v1/accounts/${archivedAccount}`);
    const missing = await hub.api.post('/v1/contacts', {
      lastName: 'X',
      email: 'x@example.com',
      accountId: 'acc_01JD0000000000000000000000',
    });
    const archived = await hub.api.post('/v1/contacts', {
      lastName: 'X',
      email: 'x@example.com',
      accountId: archivedAccount,
    });

    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ pointer: '/accountId', code: 'unknown_reference' }),
    ]);
    expect(archived.status).toBe(422);
    expect(archived.body.errors).toEqual([
      expect.objectContaining({ pointer: '/accountId', code: 'archived_reference' }),
    ]);
  });
});

describe('quotes', () => {
  it('prices lines from the product list price with line, header discount and tax in minor units', async () => {
    const accountId = await createAccount(hub.api);
    const productId = await createProduct(hub.api, { unitPrice: 19_999, unitCost: 5_000 });
    const response = await hub.api.post('/v1/quotes', validQuote(accountId, productId), { as: 'sales' });

    expect(response.status).toBe(201);
    const { lines, totals, status } = response.body;
    expect(status).toBe('draft');
    // 3 × 199.99 = 599.97; −10 % = 59.997 → 60.00 (half up); net 539.97; tax 19 % = 102.5943 → 102.59
    expect(lines[0]).toMatchObject({
      unitPrice: 19_999,
      listPrice: 19_999,
      amount: 59_997,
      discount: 6_000,
      net: 53_997,
    });
    expect(totals).toMatchObject({
      listTotal: 59_997,
      subtotal: 53_997,
      headerDiscount: 0,
      net: 53_997,
      tax: 10_259,
      total: 64_256,
    });
    expect(totals.discountPercent).toBe(10);
    // margin: (539.97 − 150.00) / 539.97 = 72.22 %
    expect(totals.marginPercent).toBe(72.22);
  });

  it('reprices on a patch and keeps the price a line was quoted at', async () => {
    const accountId = await createAccount(hub.api);
    const productId = await createProduct(hub.api, { unitPrice: 10_000 });
    const quote = await hub.api.post('/v1/quotes', validQuote(accountId, productId));
    await hub.api.patch(`/v1/products/${productId}`, { unitPrice: 12_000 });
    const patched = await hub.api.patch(`/v1/quotes/${quote.body.id}`, { discountPercent: 5 });

    expect(patched.status).toBe(200);
    expect(patched.body.lines[0].unitPrice).toBe(10_000);
    expect(patched.body.totals.headerDiscount).toBe(1_350);
  });

  it('refuses a product priced in another currency unless the line names its own price', async () => {
    const accountId = await createAccount(hub.api);
    const productId = await createProduct(hub.api, { currency: 'USD' });
    const refused = await hub.api.post('/v1/quotes', validQuote(accountId, productId));
    const priced = await hub.api.post('/v1/quotes', {
      ...validQuote(accountId, productId),
      lines: [{ productId, quantity: 1, unitPrice: 9_000 }],
    });

    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].pointer).toBe('/lines/0/unitPrice');
    expect(priced.status).toBe(201);
    expect(priced.body.totals.total).toBe(10_710);
  });
});

describe('quote rules', () => {
  it('refuses to change a quote’s currency and changes nothing', async () => {
    const accountId = await createAccount(hub.api);
    const productId = await createProduct(hub.api);
    const quote = await hub.api.post('/v1/quotes', validQuote(accountId, productId));
    const response = await hub.api.patch(`/v1/quotes/${quote.body.id}`, { currency: 'JPY' });
    const after = await hub.api.get(`/v1/quotes/${quote.body.id}`);

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ pointer: '/currency', code: 'immutable' }),
    ]);
    expect(after.body).toMatchObject({ currency: 'EUR', version: 1 });
  });
});

describe('unique values', () => {
  it('keeps the claim when a SKU changes only in letter case', async () => {
    const product = await hub.api.post('/v1/products', {
      name: 'A',
      sku: 'case-1',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });
    const renamed = await hub.api.patch(`/v1/products/${product.body.id}`, { sku: 'CASE-1' });
    const clash = await hub.api.post('/v1/products', {
      name: 'B',
      sku: 'Case-1',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });

    expect(renamed.status).toBe(200);
    expect(renamed.body.sku).toBe('CASE-1');
    expect(clash.status).toBe(409);
  });

  it('refuses a second product with the same SKU, in any letter case, naming the holder', async () => {
    const first = await hub.api.post('/v1/products', {
      name: 'A',
      sku: 'UNIQ-1',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });
    const second = await hub.api.post('/v1/products', {
      name: 'B',
      sku: 'uniq-1',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });

    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      type: '/problems/unique-value-taken',
      field: '/sku',
      heldBy: first.body.id,
    });
  });

  it('frees the old SKU when a product changes it', async () => {
    const product = await hub.api.post('/v1/products', {
      name: 'A',
      sku: 'MOVE-1',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });
    await hub.api.patch(`/v1/products/${product.body.id}`, { sku: 'MOVE-2' });
    const reuse = await hub.api.post('/v1/products', {
      name: 'B',
      sku: 'MOVE-1',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });
    const clash = await hub.api.post('/v1/products', {
      name: 'C',
      sku: 'MOVE-2',
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    });

    expect(reuse.status).toBe(201);
    expect(clash.status).toBe(409);
  });
});
