/**
 * Writes respect ownership (functions/records/ownership.ts), over the API of a test hub: a
 * seller changes their own records, a manager those of anyone in their reporting chain, a key
 * that is nobody's only records nobody owns; integration keys set product prices only with the
 * pricing grant. Every refusal is a 403 that says why and leaves the record as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRICING_GRANT } from '#functions/records/use-cases/ownership';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { createOrg, createQuote, keyFor, type Org } from '../support/quote-approval.ts';

let hub: TestHub;
let org: Org;
const keys = {} as Record<'ben' | 'max' | 'dana' | 'otto', string>;

beforeAll(async () => {
  hub = await startTestHub();
  org = await createOrg(hub, 'own');
  keys.ben = await keyFor(hub, 'sales', org.ids.ben);
  keys.max = await keyFor(hub, 'manager', org.ids.max);
  keys.dana = await keyFor(hub, 'manager', org.ids.dana);
  keys.otto = await keyFor(hub, 'manager', org.ids.otto);
});
afterAll(async () => {
  await hub?.stop();
});

const quote = async (id: string) => (await hub.api.get(`/v1/quotes/${id}`)).body;

describe('a sales key', () => {
  it('cannot edit, archive or submit another rep’s quote, and nothing changes', async () => {
    const quoteId = await createQuote(hub, org, 5);
    const before = await quote(quoteId);

    const edit = await hub.api.patch(`/v1/quotes/${quoteId}`, { name: 'Mine now' }, { key: keys.ben });
    const archive = await hub.api.delete(`/v1/quotes/${quoteId}`, { key: keys.ben });
    const submit = await hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, { key: keys.ben });

    for (const response of [edit, archive, submit]) {
      expect(response.status, response.text).toBe(403);
      expect(response.body.type).toBe('/problems/forbidden');
      expect(response.body.detail).toContain(`belongs to ${org.ids.ana}`);
    }
    const after = await quote(quoteId);
    expect(after).toMatchObject({ name: before.name, version: before.version, status: 'draft' });
    expect(after.archivedAt).toBeUndefined();
    const history = (await hub.api.get(`/v1/quotes/${quoteId}/history`)).body.items as unknown[];
    expect(history).toHaveLength(1);
  });

  it('edits its own quote, but may not hand it to another rep', async () => {
    const quoteId = await createQuote(hub, org, 5);

    const edit = await hub.api.patch(`/v1/quotes/${quoteId}`, { name: 'Ana’s renewal' }, { key: org.anaKey });
    const handOver = await hub.api.patch(
      `/v1/quotes/${quoteId}`,
      { ownerId: org.ids.ben },
      { key: org.anaKey },
    );

    expect(edit.status, edit.text).toBe(200);
    expect(handOver.status).toBe(403);
    expect(handOver.body.detail).toMatch(/only to yourself .*; a manager reassigns/);
    expect(await quote(quoteId)).toMatchObject({ name: 'Ana’s renewal', ownerId: org.ids.ana });
  });

  it('creates records for itself, not in another rep’s name', async () => {
    const forBen = await hub.api.post(
      '/v1/accounts',
      { name: 'Ben’s prospect', ownerId: org.ids.ben },
      { key: org.anaKey },
    );
    const forAna = await hub.api.post(
      '/v1/accounts',
      { name: 'Ana’s prospect', ownerId: org.ids.ana },
      { key: org.anaKey },
    );

    expect(forBen.status).toBe(403);
    expect(forAna.status, forAna.text).toBe(201);
    const names = (await hub.api.all('accounts')).map((a) => a.name);
    expect(names).not.toContain('Ben’s prospect');
  });

  it('that acts for no staff user changes only records nobody owns', async () => {
    const owned = await createQuote(hub, org, 5);
    const account = await hub.api.post('/v1/accounts', { name: 'Unowned Ltd' });

    const onOwned = await hub.api.patch(`/v1/quotes/${owned}`, { name: 'x' }, { as: 'sales' });
    const onUnowned = await hub.api.patch(
      `/v1/accounts/${account.body.id}`,
      { name: 'Unowned and Sons' },
      { as: 'sales' },
    );

    expect(onOwned.status).toBe(403);
    expect(onOwned.body.detail).toContain('acts for no staff user');
    expect(onUnowned.status, onUnowned.text).toBe(200);
  });
});

describe('a sales key whose edit scope is the team', () => {
  it('changes and hands over the records of everyone with the same manager, and no one else’s', async () => {
    const tess = await hub.api.post('/v1/users', {
      name: 'Tess Teammate',
      email: 'tess.own@example.com',
      role: 'sales',
      managerId: org.ids.max,
      editScope: 'team',
    });
    const tessKey = await keyFor(hub, 'sales', tess.body.id);
    const anas = await createQuote(hub, org, 5);
    const ottos = await createQuote(hub, org, 5, { ownerId: org.ids.otto });

    const onTeammate = await hub.api.patch(
      `/v1/quotes/${anas}`,
      { name: 'Covered by Tess' },
      { key: tessKey },
    );
    const toTeammate = await hub.api.patch(`/v1/quotes/${anas}`, { ownerId: org.ids.ben }, { key: tessKey });
    const onOutsider = await hub.api.patch(`/v1/quotes/${ottos}`, { name: 'Not hers' }, { key: tessKey });
    const selfPromotion = await hub.api.patch(
      `/v1/users/${tess.body.id}`,
      { editScope: 'team' },
      { key: tessKey },
    );

    expect(onTeammate.status, onTeammate.text).toBe(200);
    expect(toTeammate.status, toTeammate.text).toBe(200);
    expect(await quote(anas)).toMatchObject({ name: 'Covered by Tess', ownerId: org.ids.ben });
    expect(onOutsider.status).toBe(403);
    expect(selfPromotion.status).toBe(403);
  });

  it('is "own" unless an admin says otherwise, and only "own" or "team"', async () => {
    const plain = await hub.api.post('/v1/users', {
      name: 'Pat Plain',
      email: 'pat.own@example.com',
      role: 'sales',
    });
    const odd = await hub.api.post('/v1/users', {
      name: 'Odd',
      email: 'odd.own@example.com',
      role: 'sales',
      editScope: 'everything',
    });

    expect(plain.body.editScope).toBe('own');
    expect(odd.status).toBe(422);
    expect(odd.body.errors[0].pointer).toBe('/editScope');
  });
});

describe('a manager key', () => {
  it('edits and reassigns the quotes of its reports, at any depth of the chain', async () => {
    const quoteId = await createQuote(hub, org, 5);

    const byMax = await hub.api.patch(`/v1/quotes/${quoteId}`, { ownerId: org.ids.ben }, { key: keys.max });
    const byDana = await hub.api.patch(
      `/v1/quotes/${quoteId}`,
      { name: 'Reviewed by Dana' },
      { key: keys.dana },
    );

    expect(byMax.status, byMax.text).toBe(200);
    expect(byDana.status, byDana.text).toBe(200);
    expect(await quote(quoteId)).toMatchObject({ ownerId: org.ids.ben, name: 'Reviewed by Dana' });
  });

  it('cannot touch the records of someone outside its chain, nor give a record to them', async () => {
    const quoteId = await createQuote(hub, org, 5);
    const before = await quote(quoteId);

    const byOtto = await hub.api.patch(
      `/v1/quotes/${quoteId}`,
      { name: 'Otto was here' },
      { key: keys.otto },
    );
    const toOtto = await hub.api.patch(`/v1/quotes/${quoteId}`, { ownerId: org.ids.otto }, { key: keys.max });
    const submitByOtto = await hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, { key: keys.otto });

    expect(byOtto.status).toBe(403);
    expect(toOtto.status).toBe(403);
    expect(toOtto.body.detail).toContain('not in your reporting chain');
    expect(submitByOtto.status).toBe(403);
    expect((await quote(quoteId)).version).toBe(before.version);
  });
});

describe('product prices', () => {
  const product = (sku: string) => ({
    name: 'Connector',
    sku,
    family: 'Software',
    currency: 'EUR',
    unitPrice: 5_000,
  });

  it('are set by an integration key only with the pricing grant', async () => {
    const plain = await hub.api.post('/v1/products', product('INT-PLAIN'), { as: 'integration' });
    const pricingKey = await keyFor(hub, 'integration', undefined, [PRICING_GRANT]);
    const withGrant = await hub.api.post('/v1/products', product('INT-GRANT'), { key: pricingKey });

    expect(plain.status).toBe(403);
    expect(plain.body.detail).toContain(`"${PRICING_GRANT}" grant`);
    expect(withGrant.status, withGrant.text).toBe(201);
    const skus = (await hub.api.all('products')).map((p) => p.sku);
    expect(skus).toContain('INT-GRANT');
    expect(skus).not.toContain('INT-PLAIN');
  });

  it('stay as they are when an integration key without the grant edits a product; other fields change', async () => {
    const created = await hub.api.post('/v1/products', product('INT-EDIT'));

    const price = await hub.api.patch(
      `/v1/products/${created.body.id}`,
      { unitCost: 1 },
      { as: 'integration' },
    );
    const name = await hub.api.patch(
      `/v1/products/${created.body.id}`,
      { name: 'Connector v2' },
      { as: 'integration' },
    );

    expect(price.status).toBe(403);
    expect(price.body.detail).toContain('unitCost');
    expect(name.status, name.text).toBe(200);
    expect((await hub.api.get(`/v1/products/${created.body.id}`)).body).toMatchObject({
      name: 'Connector v2',
      unitPrice: 5_000,
    });
    expect((await hub.api.get(`/v1/products/${created.body.id}`)).body.unitCost).toBeUndefined();
  });
});

describe('Cognito users', () => {
  it('are linked by a sub that belongs to one user only', async () => {
    const sub = '3f1c2a9e-0000-4000-8000-00000000c0de';
    const first = await hub.api.post('/v1/users', {
      name: 'Sam Sub',
      email: 'sam.own@example.com',
      role: 'sales',
      cognitoSub: sub,
    });
    const second = await hub.api.post('/v1/users', {
      name: 'Sue Same',
      email: 'sue.own@example.com',
      role: 'sales',
      cognitoSub: sub.toUpperCase(),
    });
    const hostile = await hub.api.post('/v1/users', {
      name: 'Eve',
      email: 'eve.own@example.com',
      role: 'sales',
      cognitoSub: 'sub"; DROP',
    });

    expect(first.status, first.text).toBe(201);
    expect(second.status).toBe(409);
    expect(hostile.status).toBe(422);
    expect(hostile.body.errors?.[0]?.pointer ?? hostile.text).toContain('cognitoSub');
  });
});
