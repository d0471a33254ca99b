/**
 * An approver on a phone: Debian's Chromium, driven by playwright-core, opens an approval link
 * in a phone-sized viewport, reads the quote, approves with a comment and lands on the outcome
 * page — and the decision is stored once and audited. The browser's own traffic (preconnects,
 * prefetches, favicon) must decide nothing: only the form's POST may.
 */
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalHistory, createApproval } from '../support/approvals.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { openPhoneBrowser, PHONE_UA, type PhoneBrowser } from '../support/phone-browser.ts';

let hub: TestHub;
let phone: PhoneBrowser;

beforeAll(async () => {
  hub = await startTestHub();
  phone = await openPhoneBrowser();
});

afterAll(async () => {
  await phone?.close();
  await hub?.stop();
});

it('lets an approver read the quote on a phone, approve with a comment and see the outcome', async () => {
  const scenario = await createApproval(hub);
  const [approver] = scenario.approvers;
  if (!approver) throw new Error('no approver');
  const page = await phone.context.newPage();
  const requests: Request[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(hub.urls.api)) requests.push(request);
  });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });

  // Open the link as the email would: the page shows the quote, fitted to the phone.
  await page.goto(`${hub.urls.api}/approvals/${approver.linkId}`);
  await expect.poll(() => page.locator('h1').textContent()).toContain(scenario.quoteName);
  const text = (await page.locator('main').textContent()) ?? '';
  expect(text).toContain('Globex Corporation');
  expect(text).toContain('Enterprise licence');
  expect(text).toContain('manager of Sam Seller (level 1)');
  const fitsWidth = await page.evaluate(() => {
    // Runs in the page; the project's TypeScript has no DOM library, so the page is described here.
    const view = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return view.document.documentElement.scrollWidth <= view.innerWidth;
  });
  expect(fitsWidth).toBe(true);
  // The inline style ran under the page's CSP (allowed by its hash): the buttons are coloured.
  const approveColour = await page.locator('button.approve').evaluate((button) => {
    const view = globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } };
    return view.getComputedStyle(button).backgroundColor;
  });
  expect(approveColour).toBe('rgb(26, 127, 55)');

  // Having the page open — with whatever the browser fetched alongside — decided nothing.
  const opened = await scenario.store.step(scenario.approvalId, 0);
  expect(opened?.decisions).toEqual([]);
  expect((await scenario.store.requests(scenario.approvalId, 0))[0]?.status).toBe('open');

  // Approve with a comment.
  await page.locator('textarea[name=comment]').fill('OK — the customer renews for three years');
  await Promise.all([page.waitForURL(/\?done=1$/), page.locator('button.approve').tap()]);

  await expect.poll(() => page.locator('h1').textContent()).toBe('Thank you — your decision is recorded');
  expect(await page.locator('main').textContent()).toContain(`Approved by ${approver.name}`);
  expect(problems).toEqual([]);

  // Exactly one POST left the browser; everything else only read.
  const posts = requests.filter((r) => r.method() === 'POST');
  expect(posts).toHaveLength(1);
  expect(requests.filter((r) => !['GET', 'POST', 'HEAD'].includes(r.method()))).toEqual([]);

  const step = await scenario.store.step(scenario.approvalId, 0);
  expect(step?.status).toBe('approved');
  expect(step?.decisions).toEqual([
    expect.objectContaining({
      approverId: approver.id,
      decision: 'approve',
      comment: 'OK — the customer renews for three years',
      channel: 'email',
      userAgent: PHONE_UA,
      ip: '127.0.0.1',
    }),
  ]);
  const history = await approvalHistory(hub, scenario.quoteId);
  expect(history.map((e) => e.action)).toEqual(['approval-approved', 'approval-step-approved']);
  expect(history[0]?.context).toMatchObject({
    comment: 'OK — the customer renews for three years',
    userAgent: PHONE_UA,
  });

  // Reloading the outcome page, or going back to the form page, decides nothing more.
  await page.reload();
  await page.goBack();
  expect((await scenario.store.step(scenario.approvalId, 0))?.decisions).toHaveLength(1);
  await page.close();
});
