import './support/env.ts';
import { describe, expect, it } from 'vitest';
import { parseReply } from '#functions/approvals/use-cases/inbound-sms.use-case';

describe('parseReply', () => {
  it.each([
    ['YES 482193', 'approve'],
    ['yes 482193', 'approve'],
    ['  Yes    482193  ', 'approve'],
    ['Y482193', 'approve'],
    ['y 482193.', 'approve'],
    ['APPROVE: 482193', 'approve'],
    ['approved #482193', 'approve'],
    ['482193 yes', 'approve'],
    ['ＹＥＳ ４８２１９３', 'approve'],
    ['NO 482193', 'reject'],
    ['n482193', 'reject'],
    ['Reject - 482193', 'reject'],
    ['482193 NO!', 'reject'],
  ])('reads %j as %s with code 482193', (text, decision) => {
    expect(parseReply(text)).toEqual({ kind: 'decision', decision, code: '482193' });
  });

  it.each(['STOP', 'stop', ' Help ', 'UNSUBSCRIBE', 'START'])(
    'leaves the keyword %j to the carrier',
    (text) => {
      expect(parseReply(text)).toEqual({ kind: 'keyword' });
    },
  );

  it.each([
    'YES',
    'YES 48219',
    'YES 4821931',
    'maybe 482193',
    'YES 482193 NO 482193',
    'yes please 482193',
    '482193',
    '',
    'YES 482193; DROP TABLE',
  ])('does not read %j as a decision', (text) => {
    expect(parseReply(text)).toEqual({ kind: 'unreadable' });
  });
});
