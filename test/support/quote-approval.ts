/**
 * Helpers for quote-approval tests on a test hub: a small organisation with a management chain,
 * policies, quotes, and reading what approvers received — the SES stand-in's store and the SMS
 * outbox — then deciding through the real approval links.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '#schemas/common';
import { ApiKeyStore } from '#store/api-key-store';
import type { TestHub } from './hub.ts';

export interface Org {
  ids: Record<'dana' | 'max' | 'ana' | 'ben' | 'fiona' | 'ada' | 'otto', string>;
  emails: Record<keyof Org['ids'], string>;
  /** Ana's own sales key: she owns the test quotes, so she is the one who edits and submits them. */
  anaKey: string;
  accountId: string;
  productId: string;
}

/**
 * Dana directs; Max manages Ana and Ben (sales) and reports to Dana; Fiona is finance; Ada is the
 * admin and fallback approver; Otto (manager) has no manager. Max, Fiona and Ana have mobiles.
 * Emails carry `tag`, so organisations of several test files never share an inbox address.
 */
export async function createOrg(hub: TestHub, tag: string): Promise<Org> {
  const emails = {} as Org['emails'];
  const ids = {} as Org['ids'];
  const user = async (key: keyof Org['ids'], body: Record<string, unknown>) => {
    const email = `${key}.${tag}@example.com`;
    const response = await hub.api.post('/v1/users', { email, ...body });
    if (response.status !== 201) throw new Error(`user ${key}: ${response.status} ${response.text}`);
    ids[key] = response.body.id;
    emails[key] = email;
  };
  await user('dana', { name: 'Dana Director', role: 'manager' });
  await user('max', { name: 'Max Manager', role: 'manager', managerId: ids.dana, phone: '+4915112340002' });
  await user('ana', { name: 'Ana Seller', role: 'sales', managerId: ids.max, phone: '+4915112340003' });
  await user('ben', { name: 'Ben Seller', role: 'sales', managerId: ids.max });
  await user('fiona', {
    name: 'Fiona Finance',
    role: 'finance',
    managerId: ids.dana,
    phone: '+4915112340005',
  });
  await user('ada', { name: 'Ada Admin', role: 'admin' });
  await user('otto', { name: 'Otto Outlier', role: 'manager' });
  const account = await hub.api.post('/v1/accounts', {
    name: 'Acme Europe GmbH',
    tier: 'gold',
    country: 'DE',
  });
  const product = await hub.api.post('/v1/products', {
    name: 'Platform seat',
    sku: `SEAT-${tag}`,
    family: 'Software',
    currency: 'EUR',
    unitPrice: 100_000,
    unitCost: 20_000,
  });
  const anaKey = await keyFor(hub, 'sales', ids.ana);
  return { ids, emails, anaKey, accountId: account.body.id, productId: product.body.id };
}

/**
 * The policy most approval tests run under: the seller's manager for a discount over 10 %, then
 * the director and finance, both of them, from 25 %; Ada when nobody can be resolved.
 */
export const discountPolicy = (org: Org) => ({
  name: 'Discounts',
  appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
  steps: [
    { name: 'Manager', approvers: [{ type: 'manager', level: 1 }] },
    {
      name: 'Director and finance',
      when: { fact: 'discountPercent', op: 'gte', value: 25 },
      approvers: [
        { type: 'user', userId: org.ids.dana },
        { type: 'role', role: 'finance' },
      ],
      mode: { type: 'all' },
    },
  ],
  fallbackApproverId: org.ids.ada,
});

export async function createPolicy(hub: TestHub, content: Record<string, unknown>): Promise<string> {
  const response = await hub.api.post('/v1/admin/approval-policies', { activate: true, content });
  if (response.status !== 201) throw new Error(`policy: ${response.status} ${response.text}`);
  return response.body.id;
}

export async function createQuote(
  hub: TestHub,
  org: Org,
  discountPercent: number,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await hub.api.post('/v1/quotes', {
    name: `Deal ${Math.random().toString(36).slice(2, 8)}`,
    accountId: org.accountId,
    ownerId: org.ids.ana,
    currency: 'EUR',
    validUntil: '2030-06-30',
    lines: [{ productId: org.productId, quantity: 10, discountPercent }],
    ...extra,
  });
  if (response.status !== 201) throw new Error(`quote: ${response.status} ${response.text}`);
  return response.body.id;
}

/** A second API key of a role, acting as a given staff user (or nobody), with any grants. */
export async function keyFor(
  hub: TestHub,
  role: Role,
  userId: string | undefined,
  grants: string[] = [],
): Promise<string> {
  const store = new ApiKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: hub.urls.dynamodb })),
    hub.tables.records,
  );
  return (await store.issue(`Test ${role} key`, role, { ...(userId ? { userId } : {}), grants })).key;
}

export interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
  at: number;
}

/** Every email the SES stand-in holds for an address, oldest first. */
export async function inbox(hub: TestHub, to: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(`${hub.urls.ses}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((e) => e.destination.to.includes(to));
}

/** The newest email to `to` whose subject names the quote and says `subject`, once it has arrived. */
export const emailAbout = (hub: TestHub, to: string, quoteName: string, subject = 'Approval needed') =>
  eventually(
    async () =>
      (await inbox(hub, to))
        .filter((e) => e.subject.includes(quoteName) && e.subject.includes(subject))
        .at(-1),
    `an email to ${to} about ${quoteName}`,
  );

export interface StoredSms {
  phoneNumber: string;
  message: string;
  smsType: string;
  status: string;
}

export async function outbox(hub: TestHub, phone: string): Promise<StoredSms[]> {
  const response = await fetch(`${hub.urls.sns}/messages?phoneNumber=${encodeURIComponent(phone)}`);
  return (await response.json()) as StoredSms[];
}

/** The approval link ids in a message, in order of appearance, each once. */
export function linkIds(text: string | undefined): string[] {
  return [
    ...new Set([...(text ?? '').matchAll(/\/approvals\/([A-Za-z0-9_-]{20,64})/g)].map((m) => m[1] as string)),
  ];
}

/** Polls until `probe` answers something other than undefined (or false), or fails after `ms`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Decides through the link as a person would: opens the page, takes its nonce, posts the decision. */
export async function decideByLink(
  hub: TestHub,
  linkId: string,
  decision: 'approve' | 'reject',
  comment?: string,
): Promise<{ status: number; body: unknown }> {
  const page = await fetch(`${hub.urls.api}/approvals/${linkId}`);
  const html = await page.text();
  const nonce = /name="nonce" value="([^"]+)"/.exec(html)?.[1];
  if (!nonce) throw new Error(`no confirm form on the page (${page.status})`);
  const response = await fetch(`${hub.urls.api}/approvals/${linkId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ nonce, decision, ...(comment ? { comment } : {}) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Waits for the quote's approval to reach a status, answering the run. */
export async function approvalWith(hub: TestHub, quoteId: string, status: string) {
  return eventually(async () => {
    const response = await hub.api.get(`/v1/quotes/${quoteId}/approval`);
    return response.body?.status === status ? response.body : undefined;
  }, `approval of ${quoteId} to be ${status}`);
}
