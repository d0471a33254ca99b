import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '#schemas/common';
import { ApiKeyStore, hashApiKey } from '#store/api-key-store';
import { createAccount, createProduct, validQuote } from '../support/fixtures.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

describe('authentication', () => {
  it('answers a request without a key with 401 problem+json and a WWW-Authenticate header', async () => {
    const response = await hub.api.get('/v1/accounts', { as: null });

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('ApiKey');
    expect(response.body.type).toBe('/problems/unauthenticated');
  });

  it.each([
    ['an unknown key', `jct_${'A'.repeat(40)}`],
    ['a malformed key', 'letmein'],
    ['a very long key', 'x'.repeat(10_000)],
  ])('refuses %s with 401', async (_, key) => {
    const response = await hub.api.get('/v1/accounts', { key });

    expect(response.status).toBe(401);
    expect(response.body.detail).toBe('The API key is not valid.');
  });

  it('refuses a revoked key once the authorizer cache (API_KEY_CACHE_SECONDS) has expired', async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const store = new ApiKeyStore(db, hub.tables.records);
    const { key } = await store.issue('Soon revoked', 'sales');
    const before = await hub.api.get('/v1/me', { key });
    await db.send(
      new UpdateCommand({
        TableName: hub.tables.records,
        Key: { pk: `APIKEY#${hashApiKey(key)}`, sk: 'APIKEY' },
        UpdateExpression: 'SET revokedAt = :now',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await hub.api.get('/v1/me', { key });

    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/revoked/);
  });

  it('refuses a bearer token when no user pool is configured, saying so', async () => {
    const response = await hub.api.get('/v1/accounts', {
      as: null,
      headers: { authorization: 'Bearer abc.def.ghi' },
    });

    expect(response.status).toBe(401);
    expect(response.body.detail).toMatch(/API key/);
  });

  it('tells the caller who it is', async () => {
    const response = await hub.api.get('/v1/me', { as: 'finance' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      role: 'finance',
      kind: 'api-key',
      id: expect.stringMatching(/^key_/),
    });
  });

  it('serves the OpenAPI document without a key', async () => {
    const response = await hub.api.get('/openapi.json', { as: null });

    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });
});

describe('roles on every route', () => {
  const matrix: [Role, string, string, number][] = [
    ['support', 'POST', '/v1/quotes', 403],
    ['finance', 'POST', '/v1/quotes', 403],
    ['finance', 'GET', '/v1/quotes', 200],
    ['support', 'GET', '/v1/quotes', 403],
    ['sales', 'GET', '/v1/tickets', 403],
    ['support', 'POST', '/v1/tickets', 201],
    ['sales', 'POST', '/v1/users', 403],
    ['manager', 'POST', '/v1/products', 403],
    ['integration', 'POST', '/v1/leads', 201],
    ['integration', 'POST', '/v1/accounts', 201],
    ['sales', 'GET', '/v1/users', 200],
  ];
  const bodies: Record<string, () => Promise<unknown>> = {
    '/v1/quotes': async () => validQuote(await createAccount(hub.api), await createProduct(hub.api)),
    '/v1/tickets': async () => ({ subject: 'Printer on fire', priority: 'P1' }),
    '/v1/users': async () => ({ name: 'New Hire', email: `hire${Date.now()}@example.com`, role: 'sales' }),
    '/v1/products': async () => ({
      name: 'P',
      sku: `SKU-${Date.now()}-${Math.random()}`.slice(0, 30).replace('.', ''),
      family: 'F',
      currency: 'EUR',
      unitPrice: 1,
    }),
    '/v1/accounts': async () => ({ name: `Synced ${Date.now()}` }),
    '/v1/leads': async () => ({ lastName: 'Lead', email: `lead${Date.now()}@example.com` }),
  };

  it.each(matrix)('%s → %s %s answers %i', async (role, method, path, status) => {
    const body = method === 'POST' ? await bodies[path]?.() : undefined;
    const response = await hub.api.call(method, path, { as: role, ...(body ? { body } : {}) });

    expect(response.status, response.text).toBe(status);
    if (status === 403) {
      expect(response.body.type).toBe('/problems/forbidden');
      expect(response.body.detail).toContain(`"${role}"`);
    }
  });

  it('writes nothing when a role may not create', async () => {
    const before = (await hub.api.all('users')).length;
    await hub.api.post(
      '/v1/users',
      { name: 'Sneaky', email: 'sneaky@example.com', role: 'admin' },
      { as: 'sales' },
    );

    expect((await hub.api.all('users')).length).toBe(before);
  });
});
