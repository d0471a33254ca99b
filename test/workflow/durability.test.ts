/**
 * Executions survive the service being killed outright (SIGKILL): after a restart they continue
 * where they were. Finished tasks are not run again, a task token handed out before the crash
 * still settles its execution, and a Wait that fell due while the service was down fires at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendTaskSuccessCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { JournalEntry } from './fixtures/functions/journal.ts';
import { eventually, finished, history, sfnClient, types } from './support.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./fixtures/run-service.ts', import.meta.url));
const suffix = randomBytes(4).toString('hex');
const table = `sfn-durable-${suffix}`;
const journalFile = join(tmpdir(), `workflow-journal-${suffix}.jsonl`);

interface RunningService {
  child: ChildProcess;
  client: SFNClient;
  resumed: number;
}

const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(journalFile, { force: true });
});

async function startService(): Promise<RunningService> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      SFN_TABLE: table,
      WORKFLOW_TEST_JOURNAL: journalFile,
      JUNCTION_TIME_SCALE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`service did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before it was ready:\n${stderr}`));
    });
  });
  const [, endpoint, resumed] = ready.trim().split(' ');
  return { child, client: sfnClient(endpoint as string), resumed: Number(resumed) };
}

async function kill(service: RunningService) {
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGKILL');
  await exited;
  service.client.destroy();
}

const journal = (): JournalEntry[] =>
  existsSync(journalFile)
    ? readFileSync(journalFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as JournalEntry)
    : [];

/** Calls of a fixture function for one order (by the `step` the definition passes, when given). */
const callsFor = (fn: string, order: string, step?: string) =>
  journal().filter((entry) => {
    const event = entry.event as { order?: string; step?: string };
    return entry.fn === fn && event.order === order && (step === undefined || event.step === step);
  });

describe('durability across a killed process', () => {
  it('resumes waiting executions after SIGKILL without running finished tasks again', async () => {
    const first = await startService();
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:durable';
    const start = async (input: Record<string, unknown>) =>
      (await first.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) })))
        .executionArn as string;
    const approvalArn = await start({ order: 'o-approval', mode: 'approval' });
    const timerArn = await start({ order: 'o-timer', mode: 'timer', waitSeconds: 3 });

    // Both have recorded their order; one waits on a token, the other in its Wait state.
    const token = await eventually(
      async () =>
        (callsFor('request-approval', 'o-approval')[0]?.event as { taskToken?: string } | undefined)
          ?.taskToken,
      { what: 'the approval request' },
    );
    await eventually(
      async () => types(await history(first.client, approvalArn)).includes('TaskSubmitted') || undefined,
    );
    const waitEntered = await eventually(
      async () => (await history(first.client, timerArn)).find((event) => event.type === 'WaitStateEntered'),
      { what: 'the timer execution to enter its Wait' },
    );
    // The Wait's due time is written as it starts; give that write a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsFor('echo', 'o-approval', 'record')).toHaveLength(1);
    expect(callsFor('echo', 'o-timer', 'record')).toHaveLength(1);

    await kill(first);

    // Stay down until the Wait has fallen due.
    const dueAt = (waitEntered.timestamp as Date).getTime() + 3_000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 500));

    const restartedAt = Date.now();
    const second = await startService();
    try {
      expect(second.resumed).toBe(2);

      // The Wait that fell due during the downtime fires at restart.
      const timer = await finished(second.client, timerArn, 15_000);
      expect(timer.status).toBe('SUCCEEDED');
      const timerEvents = await history(second.client, timerArn);
      const waitExited = timerEvents.find((event) => event.type === 'WaitStateExited');
      expect(waitExited?.timestamp?.getTime()).toBeGreaterThanOrEqual(restartedAt);
      expect(types(timerEvents).filter((type) => type === 'WaitStateEntered')).toHaveLength(1);
      expect(timerEvents.map((event) => event.id)).toEqual(timerEvents.map((_, i) => i + 1));

      // The token handed out before the crash still settles its execution.
      await second.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approvedBy: 'finance' }) }),
      );
      const approval = await finished(second.client, approvalArn, 15_000);
      expect(approval.status).toBe('SUCCEEDED');
      expect(JSON.parse(approval.output ?? '{}').decision).toEqual({ approvedBy: 'finance' });

      // Nothing that had finished before the crash ran again; what came after ran once.
      expect(callsFor('echo', 'o-approval', 'record')).toHaveLength(1);
      expect(callsFor('echo', 'o-timer', 'record')).toHaveLength(1);
      expect(callsFor('request-approval', 'o-approval')).toHaveLength(1);
      expect(callsFor('echo', 'o-approval', 'notify')).toHaveLength(1);
      expect(callsFor('echo', 'o-timer', 'notify')).toHaveLength(1);
      const approvalEvents = types(await history(second.client, approvalArn));
      expect(approvalEvents.filter((type) => type === 'TaskScheduled')).toHaveLength(3);
      expect(approvalEvents.at(-1)).toBe('ExecutionSucceeded');
    } finally {
      const exited = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await exited;
      second.client.destroy();
    }
  });
});
