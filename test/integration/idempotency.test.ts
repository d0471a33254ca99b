import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { createOrg, createQuote } from '../support/quote-approval.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

const countByName = async (name: string) =>
  (await hub.api.all('accounts')).filter((a: { name: string }) => a.name === name).length;

describe('Idempotency-Key on POST', () => {
  it('returns the first response to a retry and creates one record', async () => {
    const key = randomUUID();
    const name = `Idem ${key}`;
    const first = await hub.api.post('/v1/accounts', { name }, { headers: { 'idempotency-key': key } });
    const retry = await hub.api.post('/v1/accounts', { name }, { headers: { 'idempotency-key': key } });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await countByName(name)).toBe(1);
  });

  it('creates one record when the same request races itself ten times', async () => {
    const key = randomUUID();
    const name = `Race ${key}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        hub.api.post('/v1/accounts', { name }, { headers: { 'idempotency-key': key } }),
      ),
    );

    // Losers either see the finished first response or are told to retry while it is in flight.
    for (const response of responses) expect([201, 409]).toContain(response.status);
    const ids = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(await countByName(name)).toBe(1);
  });

  it('refuses the same key with a different body and writes nothing', async () => {
    const key = randomUUID();
    await hub.api.post('/v1/accounts', { name: `First ${key}` }, { headers: { 'idempotency-key': key } });
    const reused = await hub.api.post(
      '/v1/accounts',
      { name: `Second ${key}` },
      { headers: { 'idempotency-key': key } },
    );

    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('/problems/idempotency-key-reused');
    expect(await countByName(`Second ${key}`)).toBe(0);
  });

  it('does not remember a refused request, so the corrected retry with the same key goes through', async () => {
    const key = randomUUID();
    const invalid = await hub.api.post('/v1/accounts', { name: '' }, { headers: { 'idempotency-key': key } });
    const corrected = await hub.api.post(
      '/v1/accounts',
      { name: `Fixed ${key}` },
      { headers: { 'idempotency-key': key } },
    );

    expect(invalid.status).toBe(422);
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
  });

  it('keeps keys of different callers apart', async () => {
    const key = randomUUID();
    const name = `Shared key ${key}`;
    const bySales = await hub.api.post(
      '/v1/accounts',
      { name },
      { as: 'sales', headers: { 'idempotency-key': key } },
    );
    const byManager = await hub.api.post(
      '/v1/accounts',
      { name },
      { as: 'manager', headers: { 'idempotency-key': key } },
    );

    expect(bySales.status).toBe(201);
    expect(byManager.status).toBe(201);
    expect(byManager.body.id).not.toBe(bySales.body.id);
  });

  it('submits two different quotes sent with the same key, instead of replaying the first answer', async () => {
    const org = await createOrg(hub, 'idem');
    const [first, second] = [await createQuote(hub, org, 0), await createQuote(hub, org, 0)];
    const key = randomUUID();
    const submitFirst = await hub.api.post(`/v1/quotes/${first}/submit`, undefined, {
      headers: { 'idempotency-key': key },
    });
    const submitSecond = await hub.api.post(`/v1/quotes/${second}/submit`, undefined, {
      headers: { 'idempotency-key': key },
    });

    expect(submitFirst.status).toBe(200);
    expect(submitSecond.status).toBe(200);
    expect(submitSecond.headers.get('idempotent-replayed')).toBeNull();
    expect(submitSecond.body.quoteId).toBe(second);
    expect((await hub.api.get(`/v1/quotes/${first}`)).body.status).toBe('approved');
    expect((await hub.api.get(`/v1/quotes/${second}`)).body.status).toBe('approved');
  });

  it('creates two records for two POSTs without a key', async () => {
    const name = `No key ${randomUUID()}`;
    await hub.api.post('/v1/accounts', { name });
    await hub.api.post('/v1/accounts', { name });

    expect(await countByName(name)).toBe(2);
  });

  it('refuses a malformed Idempotency-Key header', async () => {
    const response = await hub.api.post(
      '/v1/accounts',
      { name: 'x' },
      { headers: { 'idempotency-key': 'has spaces in it' } },
    );

    expect(response.status).toBe(400);
  });
});
