import './support/env.ts';
import { describe, expect, it } from 'vitest';
import { parseReply } from '#functions/approvals/inbound-sms.use-case';

describe('parseReply', () => {
  it.each([
    ['YES 4821', 'approve'],
    ['yes 4821', 'approve'],
    ['  Yes    4821  ', 'approve'],
    ['Y4821', 'approve'],
    ['y 4821.', 'approve'],
    ['APPROVE: 4821', 'approve'],
    ['approved #4821', 'approve'],
    ['4821 yes', 'approve'],
    ['ＹＥＳ ４８２１', 'approve'],
    ['NO 4821', 'reject'],
    ['n4821', 'reject'],
    ['Reject - 4821', 'reject'],
    ['4821 NO!', 'reject'],
  ])('reads %j as %s with code 4821', (text, decision) => {
    expect(parseReply(text)).toEqual({ kind: 'decision', decision, code: '4821' });
  });

  it.each(['STOP', 'stop', ' Help ', 'UNSUBSCRIBE', 'START'])(
    'leaves the keyword %j to the carrier',
    (text) => {
      expect(parseReply(text)).toEqual({ kind: 'keyword' });
    },
  );

  it.each([
    'YES',
    'YES 482',
    'YES 48211',
    'maybe 4821',
    'YES 4821 NO 4821',
    'yes please 4821',
    '4821',
    '',
    'YES 4821; DROP TABLE',
  ])('does not read %j as a decision', (text) => {
    expect(parseReply(text)).toEqual({ kind: 'unreadable' });
  });
});
