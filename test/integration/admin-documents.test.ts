import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
let manager: string;
let finance: string;

beforeAll(async () => {
  hub = await startTestHub();
  manager = (
    await hub.api.post('/v1/users', { name: 'Mia Manager', email: 'mia@example.com', role: 'manager' })
  ).body.id;
  finance = (
    await hub.api.post('/v1/users', { name: 'Finn Finance', email: 'finn@example.com', role: 'finance' })
  ).body.id;
});
afterAll(() => hub?.stop());

const policy = (over: Record<string, unknown> = {}) => ({
  name: 'Discounts',
  appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
  steps: [
    {
      name: 'Manager',
      approvers: [{ type: 'manager', level: 1 }],
      timeout: { afterHours: 24, action: 'escalate' },
    },
    {
      name: 'Director and finance',
      when: { fact: 'discountPercent', op: 'gte', value: 25 },
      approvers: [
        { type: 'user', userId: manager },
        { type: 'role', role: 'finance' },
      ],
      mode: { type: 'all' },
    },
  ],
  fallbackApproverId: finance,
  ...over,
});

const base = '/v1/admin/approval-policies';

describe('approval policies as versioned admin documents', () => {
  it('creates a policy with its first version, active when asked', async () => {
    const response = await hub.api.post(base, { content: policy(), note: 'first cut', activate: true });

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`${base}/${response.body.id}`);
    expect(response.body).toMatchObject({
      name: 'Discounts',
      latestVersion: 1,
      activeVersion: 1,
      active: { version: 1 },
    });
    expect(response.body.active.content.steps[0].mode).toEqual({ type: 'any' });
  });

  it('refuses invalid content with pointers into /content and writes nothing', async () => {
    const before = (await hub.api.get(base)).body.items.length;
    const response = await hub.api.post(base, {
      content: policy({
        appliesWhen: { fact: 'discount', op: 'gt', value: 10 },
        steps: [
          { name: 'A', approvers: [{ type: 'manager', level: 9 }] },
          {
            name: 'a',
            approvers: [{ type: 'role', role: 'ceo' }],
            when: { fact: 'productFamilies', op: 'gt', value: 1 },
          },
        ],
        fallbackApproverId: 'usr_01JD0000000000000000000000',
      }),
    });

    expect(response.status).toBe(422);
    const pointers = response.body.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining([
        '/content/appliesWhen/fact',
        '/content/steps/0/approvers/0/level',
        '/content/steps/1/approvers/0/role',
        '/content/steps/1/when/op',
      ]),
    );
    expect((await hub.api.get(base)).body.items.length).toBe(before);
  });

  it('refuses two steps with the same name once the fields themselves are valid', async () => {
    const step = { name: 'Review', approvers: [{ type: 'role', role: 'manager' }] };
    const response = await hub.api.post(base, {
      content: policy({ steps: [step, { ...step, name: 'review' }] }),
    });

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ pointer: '/content/steps/1/name', detail: 'step names must be unique' }),
    ]);
  });

  it('refuses a policy that names a user who does not exist', async () => {
    const response = await hub.api.post(base, {
      content: policy({ fallbackApproverId: 'usr_01JD0000000000000000000000' }),
    });

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ pointer: '/content/fallbackApproverId', code: 'unknown_reference' }),
    ]);
  });

  it('keeps every version, moves the active one on request, and records each step in the history', async () => {
    const created = await hub.api.post(base, { content: policy({ name: 'Versioned' }), activate: true });
    const id = created.body.id;
    const v2 = await hub.api.post(`${base}/${id}/versions`, {
      content: policy({ name: 'Versioned', priority: 5 }),
      note: 'tighter',
    });
    const stale = await hub.api.post(
      `${base}/${id}/activate`,
      { version: 2 },
      { headers: { 'if-match': '"v1"' } },
    );
    const activated = await hub.api.post(
      `${base}/${id}/activate`,
      { version: 2 },
      { headers: { 'if-match': v2.headers.get('etag') ?? '' } },
    );
    const versions = await hub.api.get(`${base}/${id}/versions`);
    const first = await hub.api.get(`${base}/${id}/versions/1`);
    const history = await hub.api.get(`${base}/${id}/history`);

    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ latestVersion: 2, activeVersion: 1 });
    expect(stale.status).toBe(412);
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({
      activeVersion: 2,
      active: { version: 2, content: { priority: 5 } },
    });
    expect(
      versions.body.items.map((v: { version: number; active: boolean }) => [v.version, v.active]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(first.body.content.priority).toBe(100);
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual([
      'activate',
      'new-version',
      'create',
    ]);
    expect(history.body.items[1].summary).toBe('version 2 created: tighter');
  });

  it('deactivates a document', async () => {
    const created = await hub.api.post(base, { content: policy({ name: 'Short-lived' }), activate: true });
    const response = await hub.api.post(`${base}/${created.body.id}/activate`, { version: null });

    expect(response.status).toBe(200);
    expect(response.body.activeVersion).toBeUndefined();
    expect(response.body.active).toBeUndefined();
  });

  it('answers 404 for a version that does not exist and 400 for one that is not a number', async () => {
    const created = await hub.api.post(base, { content: policy({ name: 'Lonely' }) });

    expect((await hub.api.get(`${base}/${created.body.id}/versions/7`)).status).toBe(404);
    expect((await hub.api.get(`${base}/${created.body.id}/versions/x`)).status).toBe(400);
    expect((await hub.api.post(`${base}/${created.body.id}/activate`, { version: 7 })).status).toBe(404);
  });

  it('lets managers read policies but only admins change them', async () => {
    const created = await hub.api.post(base, { content: policy({ name: 'Guarded' }) });
    const read = await hub.api.get(`${base}/${created.body.id}`, { as: 'manager' });
    const write = await hub.api.post(
      `${base}/${created.body.id}/versions`,
      { content: policy({ name: 'Guarded' }) },
      { as: 'manager' },
    );
    const support = await hub.api.get(base, { as: 'support' });

    expect(read.status).toBe(200);
    expect(write.status).toBe(403);
    expect(support.status).toBe(403);
  });
});
