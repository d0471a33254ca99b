/**
 * A customer on a phone: Debian's Chromium, driven by playwright-core, opens a satisfaction
 * survey link, picks a rating, adds a comment and lands on the thank-you page — and the rating is
 * stored once, on the link and on the ticket. Opening the page (and whatever the browser fetches
 * alongside) records nothing: only the form's POST does.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashSurveyLink, newSurveyLinkId, newSurveyNonce, SurveyStore } from '#store/survey-store';
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

it('lets a customer rate the help on a phone, once, and see the thank-you page', async () => {
  // A closed ticket and the survey link its closing would have emailed.
  const ticket = await hub.api.post(
    '/v1/tickets',
    { subject: 'Cannot log in', status: 'closed' },
    { as: 'support' },
  );
  expect(ticket.status).toBe(201);
  const surveys = new SurveyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: hub.urls.dynamodb })),
    hub.tables.records,
  );
  const linkId = newSurveyLinkId();
  const hash = hashSurveyLink(linkId);
  await surveys.create({
    hash,
    ticketId: ticket.body.id,
    subject: 'Cannot log in',
    nonce: newSurveyNonce(),
    createdAt: new Date().toISOString(),
    validUntil: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    status: 'open',
  });

  const page = await phone.context.newPage();
  const requests: Request[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(hub.urls.api)) requests.push(request);
  });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });

  await page.goto(`${hub.urls.api}/surveys/${linkId}`);
  await expect.poll(() => page.locator('h1').textContent()).toContain('Cannot log in');
  const fitsWidth = await page.evaluate(() => {
    // Runs in the page; the project's TypeScript has no DOM library, so the page is described here.
    const view = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return view.document.documentElement.scrollWidth <= view.innerWidth;
  });
  expect(fitsWidth).toBe(true);
  // The inline style ran under the page's CSP (allowed by its hash): the button is coloured.
  const buttonColour = await page.locator('button').evaluate((button) => {
    const view = globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } };
    return view.getComputedStyle(button).backgroundColor;
  });
  expect(buttonColour).not.toBe('rgba(0, 0, 0, 0)');

  // Having the page open recorded nothing.
  expect((await surveys.get(hash))?.status).toBe('open');
  expect(
    (await hub.api.get(`/v1/tickets/${ticket.body.id}`, { as: 'support' })).body.satisfaction,
  ).toBeUndefined();

  await page.locator('input[name=rating][value="5"]').check();
  await page.locator('textarea[name=comment]').fill('Sorted in ten minutes — thank you!');
  await Promise.all([page.waitForURL(/\?done=1$/), page.locator('button').tap()]);
  await expect.poll(() => page.locator('h1').textContent()).toBe('Thank you for your rating');
  expect(await page.locator('main').textContent()).toContain('5 out of 5');
  expect(problems).toEqual([]);

  const posts = requests.filter((r) => r.method() === 'POST');
  expect(posts).toHaveLength(1);
  expect((await surveys.get(hash))?.status).toBe('answered');
  const rated = await hub.api.get(`/v1/tickets/${ticket.body.id}`, { as: 'support' });
  expect(rated.body.satisfaction).toMatchObject({ rating: 5, comment: 'Sorted in ten minutes — thank you!' });
  const history = await hub.api.get(`/v1/tickets/${ticket.body.id}/history`, { as: 'support' });
  expect(history.body.items[0]).toMatchObject({
    action: 'survey-answer',
    channel: 'web-form',
    context: { userAgent: PHONE_UA },
  });

  // Reloading the thank-you page, or going back to the form, records nothing more.
  await page.reload();
  await page.goBack();
  const again = await hub.api.get(`/v1/tickets/${ticket.body.id}/history`, { as: 'support' });
  expect(again.body.items.filter((e: { action: string }) => e.action === 'survey-answer')).toHaveLength(1);
  await page.close();
});
