/**
 * The hub as a developer meets it: `npm start` as a real process, data that survives a restart,
 * Ctrl-C that leaves nothing running, and a taken port explained in one line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHub } from '#local/hub';
import { REPO_ROOT } from '#local/lambda';
import { getPort } from '../support/ports.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-hub-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const ports = async () => ({
  api: await getPort(),
  dynamodb: await getPort(),
  ses: await getPort(),
  sms: await getPort(),
  sfn: await getPort(),
  erp: await getPort(),
  sqs: await getPort(),
  ssm: await getPort(),
});

describe('the local hub', () => {
  it('keeps data and dev keys across a restart and stops DynamoDB Local when it stops', async () => {
    const dataDir = tempDir();
    // The same ports as a second `npm start` would use (handler modules keep their SDK clients).
    const hubPorts = await ports();
    const first = await startHub({ ports: hubPorts, dataDir, seed: true });
    const javaPid = Number(readFileSync(join(dataDir, 'dynamodb-local.pid'), 'utf8'));
    const created = await fetch(`${first.urls.api}/v1/accounts`, {
      method: 'POST',
      headers: { 'x-api-key': first.keys.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Survives restarts' }),
    });
    const { id } = (await created.json()) as { id: string };
    await first.stop();
    const stoppedCleanly = !isAlive(javaPid);

    const second = await startHub({ ports: hubPorts, dataDir, seed: true });
    try {
      const read = await fetch(`${second.urls.api}/v1/accounts/${id}`, {
        headers: { 'x-api-key': first.keys.admin },
      });
      const users = await fetch(`${second.urls.api}/v1/users?limit=100`, {
        headers: { 'x-api-key': first.keys.admin },
      });

      expect(first.seeded).toBe(true);
      expect(stoppedCleanly).toBe(true);
      expect(second.seeded).toBe(false);
      expect(second.keys).toEqual(first.keys);
      expect(read.status).toBe(200);
      expect(((await users.json()) as { items: unknown[] }).items).toHaveLength(9);
    } finally {
      await second.stop();
    }
  });

  it('explains a port that is already taken and starts nothing', async () => {
    const blocker: Server = createServer();
    const taken = await getPort();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    const dataDir = tempDir();
    try {
      await expect(startHub({ ports: { ...(await ports()), api: taken }, dataDir })).rejects.toThrow(
        new RegExp(`Port ${taken} \\(HTTP API\\) is already in use.*JUNCTION_API_PORT`),
      );
      expect(existsSync(join(dataDir, 'dynamodb-local.pid'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('runs as `npm start`: prints URLs and a key per role, serves the API, and Ctrl-C stops everything', async () => {
    const dataDir = tempDir();
    // A port found free can be taken by another test's listener before the hub binds it: then the
    // hub says so and exits, and the start is tried again on other ports.
    let p = await ports();
    let child: ChildProcess;
    let output = '';
    let exited: Promise<number | null>;
    for (let attempt = 1; ; attempt++) {
      output = '';
      child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          JUNCTION_DATA_DIR: dataDir,
          JUNCTION_API_PORT: String(p.api),
          JUNCTION_DYNAMODB_PORT: String(p.dynamodb),
          JUNCTION_SES_PORT: String(p.ses),
          JUNCTION_SMS_PORT: String(p.sms),
          JUNCTION_SFN_PORT: String(p.sfn),
          JUNCTION_ERP_PORT: String(p.erp),
          JUNCTION_SQS_PORT: String(p.sqs),
          JUNCTION_SSM_PORT: String(p.ssm),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const started = child;
      exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (!output.includes('Press Ctrl-C') && Date.now() < deadline && child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const raced = child.exitCode !== null && /EADDRINUSE|already in use/.test(output);
      if (!raced || attempt === 3) break;
      p = await ports();
    }
    try {
      expect(output).toContain(`http://127.0.0.1:${p.api}/v1`);
      expect(output).toContain(`http://127.0.0.1:${p.api}/openapi.json`);
      expect(output).toContain(`http://127.0.0.1:${p.ses}/`);
      expect(output).toContain(`http://127.0.0.1:${p.sms}/`);
      expect(output).toContain(`http://127.0.0.1:${p.erp}/`);
      expect(output).toContain(`http://127.0.0.1:${p.sqs}`);
      expect(output).toContain(`http://127.0.0.1:${p.api}/v1/webhooks/endpoints`);
      // The local ERP answers on the port it printed.
      const erpPage = await fetch(`http://127.0.0.1:${p.erp}/`);
      expect(erpPage.status).toBe(200);
      expect(await erpPage.text()).toContain('Local ERP');
      for (const role of ['admin', 'manager', 'sales', 'support', 'finance', 'integration']) {
        expect(output).toMatch(new RegExp(`^  ${role}\\s+jct_`, 'm'));
      }
      const salesKey = /^ {2}sales\s+(jct_\S+)/m.exec(output)?.[1] ?? '';
      const me = await fetch(`http://127.0.0.1:${p.api}/v1/me`, { headers: { 'x-api-key': salesKey } });
      expect(me.status).toBe(200);
      const javaPid = Number(readFileSync(join(dataDir, 'dynamodb-local.pid'), 'utf8'));

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(isAlive(javaPid)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
