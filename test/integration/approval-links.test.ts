/**
 * Approval links as approvers meet them: the confirm page an email link opens, the form that
 * decides, and every way a link can be refused — over HTTP against the test hub, with the run,
 * step and requests written into DynamoDB Local as submitting a quote leaves them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalScenario, approvalHistory, createApproval } from '../support/approvals.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub?.stop());

const BROWSER_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';

const open = (linkId: string, init: RequestInit = {}) =>
  fetch(`${hub.urls.api}/approvals/${linkId}`, { redirect: 'manual', ...init });

/** Posts the confirm page's form as a browser would. */
function postForm(linkId: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return open(linkId, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      'user-agent': BROWSER_UA,
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Where the approval stands in the table: requests and step as stored. */
async function stored(scenario: ApprovalScenario) {
  const [step, requests] = await Promise.all([
    scenario.store.step(scenario.approvalId, 0),
    scenario.store.requests(scenario.approvalId, 0),
  ]);
  return { step, requests };
}

const title = (html: string) => /<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1];

function expectSafePageHeaders(headers: Headers) {
  expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(headers.get('cache-control')).toContain('no-store');
  expect(headers.get('x-robots-tag')).toBe('noindex, nofollow');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('script-src');
  expect(csp).not.toContain('unsafe-inline');
}

describe('opening a link', () => {
  it('shows the quote, why the approver is asked and a form carrying the nonce, with safe headers', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');

    const response = await open(approver.linkId, { headers: { 'user-agent': BROWSER_UA } });
    const html = await response.text();

    expect(response.status).toBe(200);
    expectSafePageHeaders(response.headers);
    expect(html).toContain(scenario.quoteName);
    expect(html).toContain('Globex Corporation');
    expect(html).toContain('Enterprise licence');
    expect(html).toContain('manager of Sam Seller (level 1)');
    expect(html).toContain('discountPercent 10 &gt; 5');
    expect(html).toContain(`name="nonce" value="${approver.request.nonce}"`);
    expect(html).toContain(`action="/approvals/${approver.linkId}"`);
    expect(html).not.toContain('<script');
  });

  it('decides nothing however often it is opened, fetched for headers, prefetched or scanned', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const before = await stored(scenario);
    const visitors: RequestInit[] = [
      { headers: { 'user-agent': BROWSER_UA } },
      { method: 'HEAD' },
      { headers: { purpose: 'prefetch', 'user-agent': BROWSER_UA } },
      { headers: { 'sec-purpose': 'prefetch;prerender', 'user-agent': BROWSER_UA } },
      {
        headers: { 'user-agent': 'Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery; SafeLinks)' },
      },
      { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' } },
    ];
    const statuses: number[] = [];
    for (let round = 0; round < 100 / 10; round++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          open(approver.linkId, visitors[(round * 10 + i) % visitors.length]),
        ),
      );
      for (const response of batch) {
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    }

    expect(statuses).toEqual(Array(100).fill(200));
    const after = await stored(scenario);
    expect(after).toEqual(before);
    expect(after.requests[0]?.status).toBe('open');
    expect(after.step?.decisions).toEqual([]);
    expect(await approvalHistory(hub, scenario.quoteId)).toEqual([]);
  });

  it('answers HEAD with the page’s status and headers but no body', async () => {
    const scenario = await createApproval(hub);
    const response = await open(scenario.approvers[0]?.linkId ?? '', { method: 'HEAD' });

    expect(response.status).toBe(200);
    expectSafePageHeaders(response.headers);
    expect(await response.text()).toBe('');
  });

  it('says a link is not valid (404) when it is unknown, altered or malformed', async () => {
    const scenario = await createApproval(hub);
    const linkId = scenario.approvers[0]?.linkId ?? '';
    const altered = `${linkId.slice(0, -1)}${linkId.endsWith('A') ? 'B' : 'A'}`;

    for (const id of [altered, 'x'.repeat(27), '%3Cscript%3E', 'a'.repeat(200)]) {
      const response = await open(id);
      const html = await response.text();
      expect(response.status, id).toBe(404);
      expect(title(html), id).toBe('This link is not valid');
      expectSafePageHeaders(response.headers);
    }
  });
});

describe('deciding from the page', () => {
  it('records the approval with comment, IP and user agent, audits it, settles the step and shows the outcome', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');

    const response = await postForm(approver.linkId, {
      nonce: approver.request.nonce,
      decision: 'approve',
      comment: '  Fine for this customer  ',
    });

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/approvals/${approver.linkId}?done=1`);
    const outcome = await open(`${approver.linkId}?done=1`);
    const html = await outcome.text();
    expect(outcome.status).toBe(200);
    expect(title(html)).toBe('Thank you — your decision is recorded');
    expect(html).toContain(`Approved by ${approver.name}`);
    expect(html).toContain('is now approved');

    const { step, requests } = await stored(scenario);
    expect(requests[0]).toMatchObject({ status: 'decided', decision: 'approve' });
    expect(step?.status).toBe('approved');
    expect(step?.decisions).toEqual([
      expect.objectContaining({
        approverId: approver.id,
        decision: 'approve',
        comment: 'Fine for this customer',
        channel: 'email',
        ip: '127.0.0.1',
        userAgent: BROWSER_UA,
      }),
    ]);
    const history = await approvalHistory(hub, scenario.quoteId);
    expect(history.map((e) => e.action)).toEqual(['approval-approved', 'approval-step-approved']);
    expect(history[0]).toMatchObject({
      channel: 'email',
      actor: { id: approver.id, name: approver.name, kind: 'user' },
      context: {
        comment: 'Fine for this customer',
        ip: '127.0.0.1',
        userAgent: BROWSER_UA,
        decision: 'approve',
      },
    });
  });

  it('records a rejection posted as JSON and answers with a receipt', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');

    const response = await hub.api.post(
      `/approvals/${approver.linkId}`,
      { nonce: approver.request.nonce, decision: 'reject', comment: 'Margin too thin' },
      { as: null },
    );

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      decision: 'reject',
      approver: approver.name,
      quote: { id: scenario.quoteId, name: scenario.quoteName },
      stepOutcome: 'rejected',
    });
    expect((await stored(scenario)).step?.status).toBe('rejected');
  });

  it('refuses the link a second time (409) and says who decided and when, on the page and when opened', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const form = { nonce: approver.request.nonce, decision: 'approve' };
    expect((await postForm(approver.linkId, form)).status).toBe(303);
    const decidedAt = (await stored(scenario)).step?.decisions[0]?.at ?? '';

    const again = await postForm(approver.linkId, { ...form, decision: 'reject' });
    const reopened = await open(approver.linkId);

    for (const response of [again, reopened]) {
      const html = await response.text();
      expect(response.status).toBe(409);
      expect(title(html)).toBe('This request was already decided');
      expect(html).toContain(
        `Approved by ${approver.name} on ${decidedAt.replace('T', ' ').slice(0, 16)} UTC`,
      );
    }
    const { step, requests } = await stored(scenario);
    expect(step?.decisions).toHaveLength(1);
    expect(requests[0]?.decision).toBe('approve');
    expect(
      (await approvalHistory(hub, scenario.quoteId)).filter((e) => e.action === 'approval-approved'),
    ).toHaveLength(1);
  });

  it('makes exactly one decision when many posts of one link race', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');

    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        postForm(approver.linkId, { nonce: approver.request.nonce, decision: i % 2 ? 'reject' : 'approve' }),
      ),
    );

    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 303).every((s) => s === 409 || s === 410)).toBe(true);
    const { step } = await stored(scenario);
    expect(step?.decisions).toHaveLength(1);
    const history = await approvalHistory(hub, scenario.quoteId);
    expect(
      history.filter((e) => e.action === 'approval-approved' || e.action === 'approval-rejected'),
    ).toHaveLength(1);
    expect(history.filter((e) => e.action.startsWith('approval-step-'))).toHaveLength(1);
  });

  it('refuses a form whose nonce does not belong to the link (403) and changes nothing', async () => {
    const scenario = await createApproval(hub, { approvers: 2 });
    const [first, second] = scenario.approvers;
    if (!first || !second) throw new Error('no approvers');

    for (const nonce of [second.request.nonce, `${first.request.nonce}x`, 'A'.repeat(22)]) {
      const response = await postForm(first.linkId, { nonce, decision: 'approve' });
      expect(response.status).toBe(403);
      expect(title(await response.text())).toBe('This form does not belong to this link');
    }
    const { step, requests } = await stored(scenario);
    expect(requests.every((r) => r.status === 'open')).toBe(true);
    expect(step?.decisions).toEqual([]);
  });

  it('refuses a post to an altered link (404)', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const altered = `${approver.linkId.slice(0, -2)}${approver.linkId.endsWith('zz') ? 'yy' : 'zz'}`;

    const response = await postForm(altered, { nonce: approver.request.nonce, decision: 'approve' });

    expect(response.status).toBe(404);
    expect((await stored(scenario)).requests[0]?.status).toBe('open');
  });
});

describe('links no longer open', () => {
  it('says an expired link has expired (410), opened or posted', async () => {
    const scenario = await createApproval(hub, { validForHours: -1 });
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');

    const opened = await open(approver.linkId);
    const posted = await postForm(approver.linkId, { nonce: approver.request.nonce, decision: 'approve' });

    for (const response of [opened, posted]) {
      expect(response.status).toBe(410);
      expect(title(await response.text())).toBe('This link has expired');
    }
    expect((await stored(scenario)).step?.decisions).toEqual([]);
  });

  it('says a recalled quote was recalled (410)', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    await scenario.store.closeRequests([approver.request], 'recalled');

    const opened = await open(approver.linkId);
    const posted = await postForm(approver.linkId, { nonce: approver.request.nonce, decision: 'approve' });

    for (const response of [opened, posted]) {
      expect(response.status).toBe(410);
      expect(title(await response.text())).toBe('This quote was recalled');
    }
    expect((await stored(scenario)).step?.decisions).toEqual([]);
  });

  it('no longer decides once its approver was deactivated (410), opened or posted', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const user = await hub.api.get(`/v1/users/${approver.id}`);
    const patched = await hub.api.patch(
      `/v1/users/${approver.id}`,
      { active: false },
      {
        headers: { 'if-match': String(user.headers.get('etag')) },
      },
    );
    expect(patched.status).toBe(200);

    const opened = await open(approver.linkId);
    const posted = await postForm(approver.linkId, { nonce: approver.request.nonce, decision: 'approve' });

    for (const response of [opened, posted]) {
      expect(response.status).toBe(410);
      expect(title(await response.text())).toBe('This link no longer works');
    }
    const after = await stored(scenario);
    expect(after.step?.decisions).toEqual([]);
    expect(after.step?.status).toBe('open');
  });

  it('says a request escalated to someone else was passed on (410)', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    await scenario.store.closeRequests([approver.request], 'replaced');

    const posted = await postForm(approver.linkId, { nonce: approver.request.nonce, decision: 'reject' });

    expect(posted.status).toBe(410);
    expect(title(await posted.text())).toBe('This request was passed on');
    expect((await stored(scenario)).step?.decisions).toEqual([]);
  });

  it('tells a second approver the step was already decided by the first (410)', async () => {
    const scenario = await createApproval(hub, { approvers: 2 });
    const [first, second] = scenario.approvers;
    if (!first || !second) throw new Error('no approvers');
    expect((await postForm(first.linkId, { nonce: first.request.nonce, decision: 'approve' })).status).toBe(
      303,
    );

    const posted = await postForm(second.linkId, { nonce: second.request.nonce, decision: 'reject' });
    const html = await posted.text();

    expect(posted.status).toBe(410);
    expect(title(html)).toBe('No decision needed any more');
    expect(html).toContain(`Approved by ${first.name}`);
    const { step, requests } = await stored(scenario);
    expect(step?.decisions).toHaveLength(1);
    expect(requests.find((r) => r.approverId === second.id)).toMatchObject({
      status: 'closed',
      closedReason: 'step-settled',
    });
  });
});

describe('hostile forms', () => {
  async function expectUnchanged(scenario: ApprovalScenario) {
    const { step, requests } = await stored(scenario);
    expect(requests.every((r) => r.status === 'open')).toBe(true);
    expect(step?.decisions).toEqual([]);
    expect(await approvalHistory(hub, scenario.quoteId)).toEqual([]);
  }

  it('refuses a missing nonce, an unknown decision, an overlong comment and unknown fields (400)', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const { nonce } = approver.request;

    const cases: [Record<string, string>, string][] = [
      [{ decision: 'approve' }, 'nonce'],
      [{ nonce, decision: 'maybe' }, 'decision'],
      [{ nonce }, 'decision'],
      [{ nonce, decision: 'approve', comment: 'x'.repeat(2001) }, 'comment'],
      [{ nonce, decision: 'approve', approverId: 'usr_someone_else' }, 'approverId'],
    ];
    for (const [fields, field] of cases) {
      const response = await postForm(approver.linkId, fields);
      const html = await response.text();
      expect(response.status, field).toBe(400);
      expect(title(html), field).toBe('Your decision could not be read');
      expect(html, field).toContain(field);
    }
    await expectUnchanged(scenario);
  });

  it('answers JSON clients with problem+json pointing at the bad field', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');

    const response = await hub.api.post(
      `/approvals/${approver.linkId}`,
      { nonce: approver.request.nonce, decision: 'approve!' },
      { as: null },
    );

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.errors).toEqual([expect.objectContaining({ pointer: '/decision' })]);
    await expectUnchanged(scenario);
  });

  it('refuses a field sent twice, the wrong content type, and a body over the limit', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    const { nonce } = approver.request;
    const url = `${hub.urls.api}/approvals/${approver.linkId}`;

    const twice = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `nonce=${encodeURIComponent(nonce)}&decision=reject&decision=approve`,
    });
    const plain = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `nonce=${nonce}&decision=approve`,
    });
    const huge = await postForm(approver.linkId, { nonce, decision: 'approve', comment: '€'.repeat(20_000) });

    expect(twice.status).toBe(400);
    expect(plain.status).toBe(415);
    expect(huge.status).toBe(413);
    await expectUnchanged(scenario);
  });

  it('escapes markup and unusual text in a comment wherever it is shown', async () => {
    const scenario = await createApproval(hub, { mode: 'all', approvers: 2 });
    const [first, second] = scenario.approvers;
    if (!first || !second) throw new Error('no approvers');
    const comment = '<script>alert(1)</script> "quoted" \'single\' & Ünïcødé 👍 \u202Eevil';

    const posted = await postForm(first.linkId, { nonce: first.request.nonce, decision: 'approve', comment });
    const outcome = await (await open(`${first.linkId}?done=1`)).text();
    const secondPage = await (await open(second.linkId)).text();

    expect(posted.status).toBe(303);
    for (const html of [outcome, secondPage]) {
      expect(html).not.toContain('<script>');
      expect(html).toContain(
        '&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; &amp; Ünïcødé 👍',
      );
    }
    expect((await stored(scenario)).step?.decisions[0]?.comment).toBe(comment);
  });
});
