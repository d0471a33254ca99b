/**
 * Starts ./hub-process.ts (the hub in a process of its own, so the load generator does not share
 * its event loop) and waits until it says it is ready. BENCH_PROFILE=<dir> writes a CPU profile
 * of the hub.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { REPO_ROOT } from '#local/lambda';

export interface HubReady {
  api: string;
  sfn: string;
  erp: { url: string; authorization: string };
  keys: Record<string, string>;
  tables: { records: string; idempotency: string; executions: string };
}

export async function startHubChild(
  dynamodbEndpoint: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; ready: HubReady; stop: () => Promise<void> }> {
  const child = fork(`${REPO_ROOT}/bench/support/hub-process.ts`, [], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    env: { ...process.env, BENCH_DYNAMODB_ENDPOINT: dynamodbEndpoint, POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<HubReady>((resolve, reject) => {
    child.once('message', (m: HubReady & { type: string }) =>
      m.type === 'ready' ? resolve(m) : reject(new Error('hub did not start')),
    );
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'stop' });
    await exited;
  };
  return { child, ready, stop };
}

/** What the hub process reports when asked: DynamoDB calls made and CPU used so far. */
export interface Usage {
  calls: number;
  cpuMs: number;
}

/** Sends the hub process a request and waits for its answer of the same type. */
export function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type: string }) => {
      if (message.type === type) {
        child.off('message', listener);
        resolve(message as T);
      }
    };
    child.on('message', listener);
    child.send({ type });
  });
}
