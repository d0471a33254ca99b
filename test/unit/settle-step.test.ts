import './support/env.ts';
import 'aws-sdk-client-mock-vitest/extend';
import {
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stepFunctionsCallbacks } from '#connectors/stepfunctions/task-callbacks';
import { outcomeOf } from '#functions/approvals/use-cases/settle-step';
import { stableAuditId } from '#functions/shared/audit-ids';
import type { ApprovalRequest, RecordedDecision } from '#schemas/approval';
import type { ApprovalStep } from '#store/approval-store';

const step = (
  mode: ApprovalStep['mode'],
  required: number,
  decisions: RecordedDecision[] = [],
): ApprovalStep => ({
  approvalId: 'apr_1',
  index: 0,
  name: 'Sales manager',
  status: 'open',
  required,
  mode,
  reminders: 0,
  escalations: 0,
  decisions,
});

let clock = 0;
/** One approver's request; `decided` gives it a decision a second after the previous one. */
function request(
  approverId: string,
  state: 'open' | 'approve' | 'reject' | NonNullable<ApprovalRequest['closedReason']>,
): ApprovalRequest {
  const base: ApprovalRequest = {
    linkHash: `hash-${approverId}`,
    approvalId: 'apr_1',
    quoteId: 'quo_1',
    stepIndex: 0,
    stepName: 'Sales manager',
    approverId,
    approverName: approverId,
    reason: 'role manager',
    nonce: 'n',
    expiresAt: '2030-01-01T00:00:00.000Z',
    status: 'open',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  if (state === 'open') return base;
  if (state === 'approve' || state === 'reject') {
    clock += 1000;
    return {
      ...base,
      status: 'decided',
      decision: state,
      decidedAt: new Date(1_767_225_600_000 + clock).toISOString(),
    };
  }
  return { ...base, status: 'closed', closedReason: state };
}

describe('outcomeOf', () => {
  describe('any', () => {
    it('waits while nobody has decided', () => {
      expect(outcomeOf(step('any', 1), [request('a', 'open'), request('b', 'open')])).toBeUndefined();
    });

    it('lets the first approval decide', () => {
      expect(outcomeOf(step('any', 1), [request('a', 'open'), request('b', 'approve')])).toBe('approved');
    });

    it('lets the first rejection decide, even when an approval came later', () => {
      const first = request('a', 'reject');
      const second = request('b', 'approve');
      expect(outcomeOf(step('any', 1), [second, first])).toBe('rejected');
    });

    it('breaks a tie between equal timestamps by the order the step recorded the decisions', () => {
      const at = '2026-01-01T00:00:05.000Z';
      const a = { ...request('a', 'approve'), decidedAt: at };
      const b = { ...request('b', 'reject'), decidedAt: at };
      const decision = (r: ApprovalRequest): RecordedDecision => ({
        approverId: r.approverId,
        approverName: r.approverName,
        decision: r.decision as 'approve' | 'reject',
        at,
        channel: 'email',
      });
      expect(outcomeOf(step('any', 1, [decision(b), decision(a)]), [a, b])).toBe('rejected');
      expect(outcomeOf(step('any', 1, [decision(a), decision(b)]), [a, b])).toBe('approved');
    });

    it('does not settle on requests that closed without a decision', () => {
      expect(outcomeOf(step('any', 1), [request('a', 'expired'), request('b', 'replaced')])).toBeUndefined();
    });
  });

  describe('all', () => {
    it('waits until every approver has approved', () => {
      const requests = [request('a', 'approve'), request('b', 'approve'), request('c', 'open')];
      expect(outcomeOf(step('all', 3), requests)).toBeUndefined();
    });

    it('approves when every approver approved', () => {
      const requests = [request('a', 'approve'), request('b', 'approve'), request('c', 'approve')];
      expect(outcomeOf(step('all', 3), requests)).toBe('approved');
    });

    it('rejects on one rejection while others are still open', () => {
      const requests = [request('a', 'approve'), request('b', 'reject'), request('c', 'open')];
      expect(outcomeOf(step('all', 3), requests)).toBe('rejected');
    });

    it('does not approve while fewer requests exist than approvers were asked', () => {
      expect(outcomeOf(step('all', 3), [request('a', 'approve')])).toBeUndefined();
    });

    it('counts the escalated approver instead of the one replaced', () => {
      const requests = [request('a', 'approve'), request('b', 'replaced'), request('b-manager', 'approve')];
      expect(outcomeOf(step('all', 2), requests)).toBe('approved');
    });

    it('does not approve while the replacement has not decided', () => {
      const requests = [request('a', 'approve'), request('b', 'replaced'), request('b-manager', 'open')];
      expect(outcomeOf(step('all', 2), requests)).toBeUndefined();
    });

    it('never approves when an approver’s request expired undecided', () => {
      const requests = [request('a', 'approve'), request('b', 'expired')];
      expect(outcomeOf(step('all', 2), requests)).toBeUndefined();
    });
  });

  describe('quorum', () => {
    it('approves at N approvals with others still open', () => {
      const requests = [
        request('a', 'approve'),
        request('b', 'approve'),
        request('c', 'open'),
        request('d', 'open'),
      ];
      expect(outcomeOf(step('quorum', 2), requests)).toBe('approved');
    });

    it('waits while N can still be reached', () => {
      const requests = [request('a', 'approve'), request('b', 'reject'), request('c', 'open')];
      expect(outcomeOf(step('quorum', 2), requests)).toBeUndefined();
    });

    it('rejects once N can no longer be reached', () => {
      const requests = [request('a', 'approve'), request('b', 'reject'), request('c', 'reject')];
      expect(outcomeOf(step('quorum', 2), requests)).toBe('rejected');
    });

    it('does not count replaced requests as approvers who could still approve', () => {
      const requests = [request('a', 'reject'), request('b', 'replaced'), request('c', 'open')];
      expect(outcomeOf(step('quorum', 2), requests)).toBe('rejected');
    });

    it('counts a replacement as one who could still approve', () => {
      const requests = [request('a', 'approve'), request('b', 'replaced'), request('b-manager', 'open')];
      expect(outcomeOf(step('quorum', 2), requests)).toBeUndefined();
    });
  });

  it('refuses a mode it does not know rather than guessing', () => {
    expect(() => outcomeOf(step('majority', 1), [request('a', 'approve')])).toThrow(/unknown approval mode/);
  });
});

describe('stepFunctionsCallbacks', () => {
  const sfn = mockClient(SFNClient);
  const client = new SFNClient({});
  const callbacks = stepFunctionsCallbacks(() => client);
  beforeEach(() => sfn.reset());

  it('sends the outcome as the task output', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await callbacks.succeed('token-1', { outcome: 'approved' })).toBe('delivered');
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: '{"outcome":"approved"}',
    });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'invalid', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'gone', $metadata: {} })],
  ])('treats %s as the workflow having moved on', async (_, error) => {
    sfn.on(SendTaskSuccessCommand).rejects(error);
    expect(await callbacks.succeed('token-1', { outcome: 'rejected' })).toBe('gone');
  });

  it('lets other failures through so the caller knows the outcome was not delivered', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(
      new SFNServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'slow down',
        $metadata: {},
      }),
    );
    await expect(callbacks.succeed('token-1', { outcome: 'approved' })).rejects.toThrow('slow down');
  });
});

describe('stableAuditId', () => {
  it('gives the same event the same id, and another event another id', () => {
    const at = '2026-03-01T10:00:00.000Z';
    expect(stableAuditId(at, 'apr_1#0#settled')).toBe(stableAuditId(at, 'apr_1#0#settled'));
    expect(stableAuditId(at, 'apr_1#1#settled')).not.toBe(stableAuditId(at, 'apr_1#0#settled'));
  });

  it('sorts by time like the ULIDs of other history entries', () => {
    const earlier = stableAuditId('2026-03-01T10:00:00.000Z', 'z');
    const later = stableAuditId('2026-03-01T10:00:00.001Z', 'a');
    expect(earlier < later).toBe(true);
    expect(earlier).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});
