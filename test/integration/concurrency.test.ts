import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../support/fixtures.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

describe('optimistic concurrency', () => {
  it('lets exactly one of 50 concurrent PATCHes with the same If-Match win; 49 get 412 and one audit entry is written', async () => {
    const id = await createAccount(hub.api, { employees: 0 });

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        hub.api.patch(`/v1/accounts/${id}`, { employees: i + 1 }, { headers: { 'if-match': '"v1"' } }),
      ),
    );

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(49);
    const winner = responses.find((r) => r.status === 200);
    const stored = await hub.api.get(`/v1/accounts/${id}`);
    expect(stored.body).toMatchObject({ version: 2, employees: winner?.body.employees });
    const history = await hub.api.get(`/v1/accounts/${id}/history`);
    const updates = history.body.items.filter((e: { action: string }) => e.action === 'update');
    expect(updates).toHaveLength(1);
    expect(updates[0].changes).toEqual([{ field: '/employees', from: 0, to: winner?.body.employees }]);
    for (const loser of responses.filter((r) => r.status === 412)) {
      expect(loser.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('loses no update among 20 concurrent PATCHes without If-Match: each success is its own version and audit entry', async () => {
    const id = await createAccount(hub.api, { employees: 0 });

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        hub.api.patch(`/v1/accounts/${id}`, { industry: `Industry ${i}` }),
      ),
    );

    // Under heavy contention a writer may be told to retry later; never a server error.
    for (const response of responses) expect([200, 409]).toContain(response.status);
    const succeeded = responses.filter((r) => r.status === 200);
    expect(succeeded.length).toBeGreaterThan(0);
    const versions = succeeded.map((r) => r.body.version).sort((a: number, b: number) => a - b);
    expect(new Set(versions).size).toBe(succeeded.length);
    const stored = await hub.api.get(`/v1/accounts/${id}`);
    expect(stored.body.version).toBe(1 + succeeded.length);
    const history = await hub.api.get(`/v1/accounts/${id}/history?limit=100`);
    expect(history.body.items.filter((e: { action: string }) => e.action === 'update')).toHaveLength(
      succeeded.length,
    );
    for (const refused of responses.filter((r) => r.status === 409))
      expect(refused.headers.get('retry-after')).toBe('1');
  });

  it('accepts If-Match: * for any existing record and still refuses a stale tag afterwards', async () => {
    const id = await createAccount(hub.api);
    const any = await hub.api.patch(`/v1/accounts/${id}`, { employees: 5 }, { headers: { 'if-match': '*' } });
    const stale = await hub.api.patch(
      `/v1/accounts/${id}`,
      { employees: 6 },
      { headers: { 'if-match': '"v1"' } },
    );
    const weak = await hub.api.patch(
      `/v1/accounts/${id}`,
      { employees: 6 },
      { headers: { 'if-match': 'W/"v2"' } },
    );

    expect(any.status).toBe(200);
    expect(stale.status).toBe(412);
    expect(stale.body.currentETag).toBe('"v2"');
    expect(weak.status).toBe(412);
    expect((await hub.api.get(`/v1/accounts/${id}`)).body.employees).toBe(5);
  });
});
