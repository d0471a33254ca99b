/**
 * `.waitForTaskToken`: the function gets `$$.Task.Token`, the execution waits, and
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat — or the clock — settle it.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsTo } from './fixtures/functions/journal.ts';
import { eventually, output, startTestService, type TestService, types } from './support.ts';

// Declared seconds pass ten times faster: HeartbeatSeconds 2 is 200 ms.
const TIME_SCALE = 10;
let sfn: TestService;

beforeAll(async () => {
  sfn = await startTestService({ timeScale: TIME_SCALE });
});
afterAll(() => sfn?.close());

/** Starts an approval and answers the token the function received. */
async function askForApproval(input: { timeoutSeconds: number; heartbeatSeconds: number }) {
  const quoteId = randomUUID();
  const executionArn = await sfn.start('callback', { quoteId, ...input });
  const token = await eventually(
    async () =>
      (
        callsTo('request-approval').find((call) => (call.event as { quoteId: string }).quoteId === quoteId)
          ?.event as { taskToken: string } | undefined
      )?.taskToken,
    { what: 'the approval request' },
  );
  return { executionArn, token };
}

describe('task tokens', () => {
  it('passes $$.Task.Token to the function and resumes with the output SendTaskSuccess gives', async () => {
    const { executionArn, token } = await askForApproval({ timeoutSeconds: 3600, heartbeatSeconds: 600 });
    expect(token.length).toBeGreaterThan(20);
    await sfn.client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
    );
    const description = await sfn.finished(executionArn);
    expect(description.status).toBe('SUCCEEDED');
    expect(output(description).decision).toEqual({ approved: true });
    const events = await sfn.history(executionArn);
    expect(types(events).slice(1, 7)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
    const scheduled = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resource: 'invoke.waitForTaskToken',
      timeoutInSeconds: 3600,
      heartbeatInSeconds: 600,
    });
    expect(JSON.parse(scheduled?.parameters ?? '{}').Payload.taskToken).toBe(token);
  });

  it('fails the task with the error SendTaskFailure gives, which Catch routes by name', async () => {
    const { executionArn, token } = await askForApproval({ timeoutSeconds: 3600, heartbeatSeconds: 600 });
    await sfn.client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'discount too deep' }),
    );
    const description = await sfn.finished(executionArn);
    expect(output(description).error).toEqual({ Error: 'Rejected', Cause: 'discount too deep' });
    expect(types(await sfn.history(executionArn))).toContain('TaskFailed');
  });

  it('raises States.Timeout when TimeoutSeconds passes without an answer, heartbeats or not', async () => {
    const { executionArn, token } = await askForApproval({ timeoutSeconds: 3, heartbeatSeconds: 2 });
    const started = Date.now();
    let beating = true;
    const beats = (async () => {
      while (beating) {
        await sfn.client.send(new SendTaskHeartbeatCommand({ taskToken: token })).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const description = await sfn.finished(executionArn);
    beating = false;
    await beats;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((output(description).error as { Error: string }).Error).toBe('States.Timeout');
    expect(types(await sfn.history(executionArn))).toContain('TaskTimedOut');
  });

  it('keeps waiting while heartbeats arrive, and times out (States.Timeout) once they stop', async () => {
    const { executionArn, token } = await askForApproval({ timeoutSeconds: 3600, heartbeatSeconds: 2 });
    // Six heartbeats 100 ms apart cover 600 ms: three times the 200 ms heartbeat window.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sfn.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    const { status } = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(status).toBe('RUNNING');
    const description = await sfn.finished(executionArn);
    expect((output(description).error as { Error: string }).Error).toBe('States.Timeout');
    await expect(sfn.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('refuses a token that was already used, or whose execution has stopped, with TaskTimedOut', async () => {
    const first = await askForApproval({ timeoutSeconds: 3600, heartbeatSeconds: 600 });
    await sfn.client.send(new SendTaskSuccessCommand({ taskToken: first.token, output: '{}' }));
    await expect(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: first.token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });

    const second = await askForApproval({ timeoutSeconds: 3600, heartbeatSeconds: 600 });
    await sfn.client.send(new StopExecutionCommand({ executionArn: second.executionArn }));
    await expect(
      sfn.client.send(new SendTaskFailureCommand({ taskToken: second.token, error: 'Rejected' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('refuses a token it never issued with InvalidToken, and output that is not JSON with InvalidOutput', async () => {
    await expect(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken', $metadata: { httpStatusCode: 400 } });
    const { executionArn, token } = await askForApproval({ timeoutSeconds: 3600, heartbeatSeconds: 600 });
    await expect(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidOutput' });
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.forged`;
    await expect(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    await sfn.client.send(new StopExecutionCommand({ executionArn }));
  });
});
