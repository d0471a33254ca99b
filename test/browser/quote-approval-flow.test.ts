/**
 * The approval flow end to end, as staff meet it: a 30 % discount quote under a two-step policy
 * (the seller's manager, then a director and finance, all of them). The manager opens the link
 * from the email in the SES stand-in's inbox in Debian's Chromium on a phone-sized screen and
 * approves; the director approves through the link in their email, finance by replying to the
 * SMS. The quote ends Approved, and its history tells the whole story.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { openPhoneBrowser, PHONE_UA, type PhoneBrowser } from '../support/phone-browser.ts';
import {
  approvalWith,
  createOrg,
  createPolicy,
  createQuote,
  decideByLink,
  discountPolicy,
  emailAbout,
  eventually,
  linkIds,
  type Org,
  outbox,
} from '../support/quote-approval.ts';

const FIONA_PHONE = '+4915112340005';

let hub: TestHub;
let org: Org;
let phone: PhoneBrowser;

beforeAll(async () => {
  hub = await startTestHub();
  org = await createOrg(hub, 'e2e');
  await createPolicy(hub, discountPolicy(org));
  phone = await openPhoneBrowser();
});

afterAll(async () => {
  await phone?.close();
  await hub?.stop();
});

it('takes a 30 % discount quote through manager, then director and finance, by browser, email link and SMS', async () => {
  const quoteId = await createQuote(hub, org, 30);
  const quoteName = String((await hub.api.get(`/v1/quotes/${quoteId}`)).body.name);
  const submitted = await hub.api.post(`/v1/quotes/${quoteId}/submit`, undefined, { key: org.anaKey });
  expect(submitted.status, submitted.text).toBe(202);

  // Step 1: the manager's email is in the inbox; its Approve button opens the confirm page.
  const toMax = await emailAbout(hub, org.emails.max, quoteName);
  expect(toMax.subject).toBe(`Approval needed: ${quoteName} for Acme Europe GmbH (30% discount)`);
  const approveHref = /href="([^"]*\/approvals\/[^"]+)"/.exec(toMax.body.html ?? '')?.[1];
  expect(approveHref).toBeDefined();
  const page = await phone.context.newPage();
  await page.goto((approveHref as string).replace(/&amp;/g, '&'));
  await expect.poll(() => page.locator('h1').textContent()).toContain(quoteName);
  expect(await page.locator('main').textContent()).toContain('manager of Ana Seller (level 1)');
  await page.locator('textarea[name=comment]').fill('Good for the renewal');
  await Promise.all([page.waitForURL(/\?done=1$/), page.locator('button.approve').tap()]);
  await expect.poll(() => page.locator('h1').textContent()).toBe('Thank you — your decision is recorded');
  await page.close();

  // Step 2 opens: the director and finance are each asked, and see the manager's decision.
  const toDana = await emailAbout(hub, org.emails.dana, quoteName);
  const toFiona = await emailAbout(hub, org.emails.fiona, quoteName);
  for (const email of [toDana, toFiona]) {
    expect(email.body.text).toContain('Step 2 of 2: Director and finance');
    expect(email.body.text).toContain('Manager: approved by Max Manager — “Good for the renewal”');
  }
  const sms = await eventually(
    async () =>
      (await outbox(hub, FIONA_PHONE)).find((m) => linkIds(m.message)[0] === linkIds(toFiona.body.text)[0]),
    'the SMS to Fiona',
  );
  const code = /Reply YES (\d{6}) or NO \1\./.exec(sms.message)?.[1];
  expect(code).toBeDefined();

  // The director approves through the link in the email.
  const byDana = await decideByLink(hub, linkIds(toDana.body.text)[0] as string, 'approve');
  expect(byDana.status).toBe(200);
  expect((await hub.api.get(`/v1/quotes/${quoteId}/approval`)).body).toMatchObject({
    status: 'pending',
    currentStep: 1,
  });

  // Finance answers the SMS from her phone.
  const reply = await fetch(`${hub.urls.sns}/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: FIONA_PHONE, body: `YES ${code}` }),
  });
  expect(reply.status).toBe(202);

  const run = await approvalWith(hub, quoteId, 'approved');
  expect(run.steps.map((s: { status: string }) => s.status)).toEqual(['approved', 'approved']);
  expect((await hub.api.get(`/v1/quotes/${quoteId}`)).body.status).toBe('approved');
  const outcome = await emailAbout(hub, org.emails.ana, quoteName, 'approved');
  expect(outcome.body.text).toContain('Director and finance');

  // The history: the submit, every request with its channel and recipient, every decision with
  // who, how and from where, each step, and the outcome.
  const history = (await hub.api.get(`/v1/quotes/${quoteId}/history?limit=100`)).body.items as {
    action: string;
    channel: string;
    summary?: string;
    context?: Record<string, unknown>;
  }[];
  const entries = history.map((e) => `${e.action}/${e.channel}`);
  expect(entries).toEqual(
    expect.arrayContaining([
      'submitted-for-approval/api',
      'approval-requested/email',
      'approval-requested/sms',
      'approval-approved/email',
      'approval-approved/sms',
      'approval-step-approved/workflow',
      'approval-run-approved/workflow',
    ]),
  );
  expect(entries.filter((e) => e.startsWith('approval-approved/'))).toHaveLength(3);
  const byBrowser = history.find(
    (e) => e.action === 'approval-approved' && e.context?.userAgent === PHONE_UA,
  );
  expect(byBrowser?.context).toMatchObject({ comment: 'Good for the renewal', ip: '127.0.0.1' });
  expect(history.find((e) => e.action === 'approval-run-approved')?.summary).toMatch(
    /Approved under policy “Discounts” v1: .*Max Manager.*Dana Director.*Fiona Finance|Approved under policy “Discounts” v1: .*Max Manager.*Fiona Finance.*Dana Director/,
  );
});
