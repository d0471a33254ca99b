/** The Step Functions API surface: what the SDK sends, what it gets back, and AWS's errors. */
import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsTo } from './fixtures/functions/journal.ts';
import { eventually, startTestService, type TestService, types } from './support.ts';

let sfn: TestService;

beforeAll(async () => {
  sfn = await startTestService({ timeScale: 100 });
});
afterAll(() => sfn?.close());

const waitingApproval = async (name?: string) => {
  const quoteId = randomUUID();
  const input = { quoteId, timeoutSeconds: 360_000, heartbeatSeconds: 36_000 };
  const executionArn = await sfn.start('callback', input, name);
  const token = await eventually(
    async () =>
      (
        callsTo('request-approval').find((call) => (call.event as { quoteId: string }).quoteId === quoteId)
          ?.event as { taskToken: string } | undefined
      )?.taskToken,
  );
  return { executionArn, token, input };
};

describe('StartExecution', () => {
  it('answers the same execution for a repeated name and input while it runs (idempotent)', async () => {
    const name = `approval-${randomUUID()}`;
    const { executionArn, input } = await waitingApproval(name);
    const again = await sfn.client.send(
      new StartExecutionCommand({ stateMachineArn: sfn.arn('callback'), name, input: JSON.stringify(input) }),
    );
    expect(again.executionArn).toBe(executionArn);
    expect(
      callsTo('request-approval').filter(
        (call) => (call.event as { quoteId: string }).quoteId === input.quoteId,
      ),
    ).toHaveLength(1);
    await sfn.client.send(new StopExecutionCommand({ executionArn }));
  });

  it('refuses a repeated name with different input, or once the first has closed: ExecutionAlreadyExists', async () => {
    const name = `approval-${randomUUID()}`;
    const { executionArn, input } = await waitingApproval(name);
    await expect(
      sfn.client.send(
        new StartExecutionCommand({
          stateMachineArn: sfn.arn('callback'),
          name,
          input: JSON.stringify({ ...input, quoteId: 'other' }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists', $metadata: { httpStatusCode: 400 } });
    await sfn.client.send(new StopExecutionCommand({ executionArn }));
    await expect(
      sfn.client.send(
        new StartExecutionCommand({
          stateMachineArn: sfn.arn('callback'),
          name,
          input: JSON.stringify(input),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('starts one execution when the same name arrives twice at once', async () => {
    const name = `concurrent-${randomUUID()}`;
    const send = () =>
      sfn.client.send(
        new StartExecutionCommand({ stateMachineArn: sfn.arn('wait'), name, input: '{"seconds":0}' }),
      );
    const [a, b] = await Promise.all([send(), send()]);
    expect(a.executionArn).toBe(b.executionArn);
  });

  it('rejects input that is not JSON, unknown state machines, bad ARNs and bad names', async () => {
    const start = (fields: Record<string, string>) =>
      sfn.client.send(new StartExecutionCommand({ stateMachineArn: sfn.arn('choice'), ...fields }));
    await expect(start({ input: '{oops' })).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(
      start({ stateMachineArn: sfn.arn('choice').replace('choice', 'nope') }),
    ).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(
      start({ stateMachineArn: 'arn:aws:lambda:us-east-1:000000000000:function:x' }),
    ).rejects.toMatchObject({
      name: 'InvalidArn',
    });
    await expect(start({ name: 'has space' })).rejects.toMatchObject({ name: 'InvalidName' });
  });
});

describe('StartSyncExecution', () => {
  it('runs an EXPRESS state machine to the end and answers its output', async () => {
    const result = await sfn.client.send(
      new StartSyncExecutionCommand({
        stateMachineArn: sfn.arn('express'),
        input: JSON.stringify({ a: 2, b: 40 }),
      }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? 'null')).toEqual({ sum: 42 });
    expect(result.executionArn).toContain(':express:express:');
    expect(result.startDate).toBeInstanceOf(Date);
    expect(result.stopDate?.getTime()).toBeGreaterThanOrEqual(result.startDate?.getTime() ?? 0);
  });

  it('is refused for a STANDARD state machine (StateMachineTypeNotSupported)', async () => {
    await expect(
      sfn.client.send(new StartSyncExecutionCommand({ stateMachineArn: sfn.arn('choice'), input: '{}' })),
    ).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
  });

  it('keeps no record of EXPRESS executions: describing one is an InvalidArn, as on AWS', async () => {
    const { executionArn } = await sfn.client.send(
      new StartSyncExecutionCommand({ stateMachineArn: sfn.arn('express'), input: '{"a":1,"b":1}' }),
    );
    await expect(sfn.client.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'InvalidArn',
    });
  });
});

describe('DescribeExecution and StopExecution', () => {
  it('describes a running execution, stops it with an error and cause, and reports ABORTED', async () => {
    const { executionArn } = await waitingApproval();
    const running = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(running).toMatchObject({ status: 'RUNNING', stateMachineArn: sfn.arn('callback') });
    expect(running.startDate).toBeInstanceOf(Date);
    expect(running.stopDate).toBeUndefined();

    const { stopDate } = await sfn.client.send(
      new StopExecutionCommand({
        executionArn,
        error: 'Recalled',
        cause: 'The submitter recalled the quote',
      }),
    );
    expect(stopDate).toBeInstanceOf(Date);
    const stopped = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(stopped).toMatchObject({
      status: 'ABORTED',
      error: 'Recalled',
      cause: 'The submitter recalled the quote',
    });
    const events = await sfn.history(executionArn);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Recalled', cause: 'The submitter recalled the quote' },
    });
  });

  it('answers ExecutionDoesNotExist for an execution it never ran', async () => {
    const executionArn = `${sfn.arn('choice').replace(':stateMachine:', ':execution:')}:never-ran`;
    await expect(sfn.client.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(sfn.client.send(new StopExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});

describe('ListExecutions', () => {
  it('lists a state machine’s executions newest first, filters by status and pages with nextToken', async () => {
    const failed = [await sfn.start('fail'), await sfn.start('fail')];
    for (const arn of failed) await sfn.finished(arn);
    const { executionArn: running, token } = await waitingApproval();
    const listed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.client.send(
        new ListExecutionsCommand({
          stateMachineArn: sfn.arn('fail'),
          statusFilter: 'FAILED',
          maxResults: 1,
          nextToken,
        }),
      );
      expect(page.executions?.length ?? 0).toBeLessThanOrEqual(1);
      listed.push(...(page.executions ?? []).map((execution) => execution.executionArn as string));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(listed.slice(0, 2)).toEqual([...failed].reverse());

    const runningOnes = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: sfn.arn('callback'), statusFilter: 'RUNNING' }),
    );
    expect(runningOnes.executions?.map((execution) => execution.executionArn)).toContain(running);
    expect(runningOnes.executions?.every((execution) => execution.status === 'RUNNING')).toBe(true);
    await sfn.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
  });

  it('is not supported for EXPRESS state machines', async () => {
    await expect(
      sfn.client.send(new ListExecutionsCommand({ stateMachineArn: sfn.arn('express') })),
    ).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
  });
});

describe('GetExecutionHistory', () => {
  it('numbers events from 1 with previousEventId, pages them and reverses them on request', async () => {
    const executionArn = await sfn.start('five-states', { a: 1 });
    await sfn.finished(executionArn);
    const events = await sfn.history(executionArn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.previousEventId).toBe(0);
    for (const event of events.slice(1)) expect(event.previousEventId).toBeLessThan(event.id as number);
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(JSON.parse(events[0]?.executionStartedEventDetails?.input ?? '{}')).toEqual({ a: 1 });

    const firstPage = await sfn.client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 5, reverseOrder: true }),
    );
    expect(firstPage.events?.map((event) => event.id)).toEqual([18, 17, 16, 15, 14]);
    const secondPage = await sfn.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 5,
        reverseOrder: true,
        nextToken: firstPage.nextToken,
      }),
    );
    expect(secondPage.events?.map((event) => event.id)).toEqual([13, 12, 11, 10, 9]);
    await expect(
      sfn.client.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'garbage!' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
  });
});

describe('state machines', () => {
  it('lists the loaded state machines and describes one with its bound definition', async () => {
    const { stateMachines } = await sfn.client.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((machine) => machine.name)).toContain('callback');
    expect(stateMachines?.find((machine) => machine.name === 'express')?.type).toBe('EXPRESS');
    const described = await sfn.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: sfn.arn('parallel') }),
    );
    expect(described).toMatchObject({ name: 'parallel', status: 'ACTIVE', type: 'STANDARD' });
    expect(described.definition).toContain(
      'arn:aws:lambda:us-east-1:000000000000:function:junction-fixtures-add',
    );
    expect(described.definition).not.toContain('${');
  });
});
