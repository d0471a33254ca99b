import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
let ana: string;
let ben: string;
let queue: string;

beforeAll(async () => {
  hub = await startTestHub();
  ana = (await hub.api.post('/v1/users', { name: 'Ana', email: 'ana@example.com', role: 'sales' })).body.id;
  ben = (await hub.api.post('/v1/users', { name: 'Ben', email: 'ben@example.com', role: 'sales' })).body.id;
  const cleo = (await hub.api.post('/v1/users', { name: 'Cleo', email: 'cleo@example.com', role: 'manager' }))
    .body.id;
  // A lead sent to a queue is routed to one of its members, so the queue is Cleo's alone and
  // Ana's and Ben's counts stay what the loops below create.
  queue = (await hub.api.post('/v1/queues', { name: 'Inbound', memberIds: [cleo] })).body.id;
  // 23 leads for Ana (7 qualified), 5 for Ben, 4 in the queue (routed to Cleo)
  for (let i = 0; i < 23; i++) {
    await hub.api.post('/v1/leads', {
      lastName: `Ana ${i}`,
      email: `a${i}@example.com`,
      ownerId: ana,
      status: i < 7 ? 'qualified' : 'new',
    });
  }
  for (let i = 0; i < 5; i++)
    await hub.api.post('/v1/leads', { lastName: `Ben ${i}`, email: `b${i}@example.com`, ownerId: ben });
  for (let i = 0; i < 4; i++)
    await hub.api.post('/v1/leads', { lastName: `Queue ${i}`, email: `q${i}@example.com`, queueId: queue });
});
afterAll(() => hub?.stop());

async function pages(query: string) {
  const seen: { id: string; ownerId?: string; status: string; queueId?: string }[][] = [];
  let cursor: string | null = null;
  do {
    const response = await hub.api.get(`/v1/leads?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.status, response.text).toBe(200);
    seen.push(response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor && seen.length < 20);
  return seen;
}

describe('cursor pagination and filters', () => {
  it('walks an owner’s leads in pages of 10, newest first, each lead once', async () => {
    const result = await pages(`owner=${ana}&limit=10`);
    const ids = result.flat().map((l) => l.id);

    expect(result.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(new Set(ids).size).toBe(23);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(result.flat().every((l) => l.ownerId === ana)).toBe(true);
  });

  it('combines an owner and a status filter', async () => {
    const result = (await pages(`owner=${ana}&status=qualified&limit=4`)).flat();

    expect(result).toHaveLength(7);
    expect(result.every((l) => l.ownerId === ana && l.status === 'qualified')).toBe(true);
  });

  it('lists a queue’s leads', async () => {
    const result = (await pages(`queue=${queue}`)).flat();

    expect(result).toHaveLength(4);
    expect(result.every((l) => l.queueId === queue)).toBe(true);
  });

  it('lists every lead of the type when no filter is given', async () => {
    expect((await pages('limit=100')).flat()).toHaveLength(32);
  });

  it('refuses a cursor from one owner’s list on another owner’s list', async () => {
    const first = await hub.api.get(`/v1/leads?owner=${ana}&limit=5`);
    const reused = await hub.api.get(`/v1/leads?owner=${ben}&limit=5&cursor=${first.body.nextCursor}`);

    expect(reused.status).toBe(400);
    expect(reused.body.detail).toMatch(/cursor/);
  });

  it('filters users by role without an index (a narrowed query, not a scan)', async () => {
    const response = await hub.api.get('/v1/users?role=sales');

    expect(response.status).toBe(200);
    expect(response.body.items.map((u: { name: string }) => u.name).sort()).toEqual(['Ana', 'Ben']);
  });

  it('returns a record’s history in pages', async () => {
    const lead = (await hub.api.post('/v1/leads', { lastName: 'Busy', email: 'busy@example.com' })).body.id;
    for (let i = 0; i < 6; i++) await hub.api.patch(`/v1/leads/${lead}`, { title: `Title ${i}` });
    const first = await hub.api.get(`/v1/leads/${lead}/history?limit=4`);
    const second = await hub.api.get(`/v1/leads/${lead}/history?limit=4&cursor=${first.body.nextCursor}`);

    expect(first.body.items.map((e: { version: number }) => e.version)).toEqual([7, 6, 5, 4]);
    expect(second.body.items.map((e: { version: number }) => e.version)).toEqual([3, 2, 1]);
    expect(second.body.nextCursor).toBeNull();
  });
});
