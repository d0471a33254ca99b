import { describe, expect, it } from 'vitest';
import {
  outcomeEmail,
  type RequestMessageInput,
  requestEmail,
  requestSms,
} from '#functions/approvals/views/approval-messages';

const LINK = 'https://crm.example.com/approvals/AbCdEfGhIjKlMnOpQrStUvWxYz0123';

const input = (overrides: Partial<RequestMessageInput> = {}): RequestMessageInput => ({
  kind: 'request',
  quote: {
    name: 'Renewal <2027>',
    customer: 'Acme & Sons',
    currency: 'EUR',
    total: 1_190_000,
    net: 1_000_000,
    discountPercent: 15,
    marginPercent: 62.5,
    lines: [{ description: 'Seat', quantity: 10, net: 1_000_000 }],
    submittedBy: 'Ana Seller',
  },
  approverName: 'Max Manager',
  reason: 'manager of Ana Seller (level 1)',
  step: { number: 1, count: 2, name: 'Manager', why: ['discountPercent 15 > 10'] },
  earlier: [],
  link: LINK,
  expiresAt: '2026-03-05T10:00:00.000Z',
  ...overrides,
});

describe('approval request email', () => {
  it('carries the customer, total, discount, why this approver is asked, and the link, in both parts', () => {
    const email = requestEmail(input());

    expect(email.subject).toBe('Approval needed: Renewal <2027> for Acme & Sons (15% discount)');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('€11,900.00');
      expect(part).toContain('15%');
      expect(part).toContain('manager of Ana Seller (level 1)');
      expect(part).toContain(LINK);
    }
    expect(email.text).toContain('Acme & Sons');
    expect(email.text).toContain('discountPercent 15 > 10');
    expect(email.html).toContain('discountPercent 15 &gt; 10');
  });

  it('escapes every value in the HTML part', () => {
    const email = requestEmail(
      input({
        approverName: '<script>alert(1)</script>',
        earlier: [
          {
            stepName: 'Manager',
            approverName: 'Max',
            decision: 'approve',
            comment: '"><img src=x onerror=alert(1)>',
            at: '2026-03-02T10:00:00.000Z',
          },
        ],
      }),
    );

    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).toContain('&lt;script&gt;');
    expect(email.html).toContain('Acme &amp; Sons');
    expect(email.html).toContain('Renewal &lt;2027&gt;');
  });

  it('has Approve and Reject buttons that both open the confirm page', () => {
    const { html } = requestEmail(input());

    expect(html).toMatch(new RegExp(`href="${LINK}#approve"[^>]*>Approve<`));
    expect(html).toMatch(new RegExp(`href="${LINK}#reject"[^>]*>Reject<`));
  });

  it('names whom a delegate acts for, and lists earlier decisions with their comments', () => {
    const { text } = requestEmail(
      input({
        onBehalfOf: { userId: 'usr_1', name: 'Max Manager' },
        approverName: 'Dana Director',
        reason: 'delegate of Max Manager, who is out of office (manager of Ana Seller (level 1))',
        earlier: [
          {
            stepName: 'Manager',
            approverName: 'Max Manager',
            decision: 'approve',
            comment: 'ok for Q4',
            at: '2026-03-02T10:00:00.000Z',
          },
        ],
      }),
    );

    expect(text).toContain('On behalf of Max Manager: delegate of Max Manager');
    expect(text).toContain('Manager: approved by Max Manager — “ok for Q4”');
  });

  it('says what kind of message it is: reminder, escalation, new link', () => {
    expect(requestEmail(input({ kind: 'reminder', reminder: 2 })).subject).toMatch(/^Reminder: /);
    expect(requestEmail(input({ kind: 'reminder', reminder: 2 })).text).toContain('Reminder 2:');
    expect(requestEmail(input({ kind: 'escalation' })).subject).toMatch(/^Escalated: /);
    expect(requestEmail(input({ kind: 'renewal' })).subject).toMatch(/^New link: /);
  });
});

describe('approval request SMS', () => {
  it('has the link and the reply code, and fits two SMS segments', () => {
    const body = requestSms({ kind: 'request', quote: input().quote, link: LINK, code: '4821' });

    expect(body).toContain(LINK);
    expect(body).toContain('Reply YES 4821 or NO 4821.');
    expect(body).toContain('€11,900.00, 15% off');
    expect(body.length).toBeLessThanOrEqual(306);
  });

  it('offers no reply without a code', () => {
    expect(requestSms({ kind: 'reminder', quote: input().quote, link: LINK })).not.toContain('Reply');
  });
});

describe('outcome email', () => {
  it('tells the submitter the outcome, each decision with its comment, and what to do next', () => {
    const email = outcomeEmail({
      outcome: 'rejected',
      quote: input().quote,
      recipientName: 'Ana Seller',
      decisions: [
        {
          stepName: 'Manager',
          approverName: 'Max Manager',
          decision: 'reject',
          comment: 'too deep',
          at: '2026-03-02T10:00:00.000Z',
        },
      ],
    });

    expect(email.subject).toBe('Renewal <2027> was rejected (Acme & Sons)');
    expect(email.text).toContain('Manager: rejected by Max Manager — “too deep”');
    expect(email.text).toContain('Edit the quote');
    expect(email.html).toContain('Renewal &lt;2027&gt; was rejected');
  });
});
