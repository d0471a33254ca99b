/**
 * Nothing stored is lost when the hub dies: a verified inbound webhook is stored and acknowledged
 * by a hub that is then killed (SIGKILL, no shutdown) before it processed it; the hub started
 * again on the same data processes it exactly once. The first hub runs without consumers
 * (JUNCTION_CONSUMERS=off), so the kill lands between "stored" and "processed" every time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#local/lambda';
import { getPort } from '../support/ports.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'junction-restart-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function startHubProcess(
  env: Record<string, string>,
  ports: Record<string, number>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      JUNCTION_DATA_DIR: dataDir,
      JUNCTION_ACCESS_LOG: 'false',
      // Sweeps treat a message as lost after 120 s of hub time: 1.2 s here.
      JUNCTION_TIME_SCALE: '100',
      ...Object.fromEntries(
        Object.entries(ports).map(([name, port]) => [`JUNCTION_${name.toUpperCase()}_PORT`, String(port)]),
      ),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes('Press Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the hub did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return child;
}

describe('a hub killed between storing and processing an inbound webhook', () => {
  it('processes it exactly once after a restart', async () => {
    const ports = {
      api: await getPort(),
      dynamodb: await getPort(),
      ses: await getPort(),
      sms: await getPort(),
      sfn: await getPort(),
      erp: await getPort(),
      sqs: await getPort(),
      ssm: await getPort(),
    };
    const api = `http://127.0.0.1:${ports.api}`;
    const first = await startHubProcess({ JUNCTION_CONSUMERS: 'off' }, ports);
    const { admin } = JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')) as { admin: string };
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${api}${path}`, {
        method,
        headers: { 'x-api-key': admin, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(
      (
        await call('POST', '/v1/admin/webhook-sources', {
          content: { name: 'Website', source: 'website', scheme: 'standard-webhooks', mapping: 'lead' },
          activate: true,
        })
      ).status,
    ).toBe(201);
    expect((await call('PUT', '/v1/webhooks/sources/website/secret', { secret })).status).toBe(200);

    const body = JSON.stringify({
      data: { firstName: 'Killed', lastName: 'Once', email: 'killed.once@example.com' },
    });
    const at = new Date();
    const sent = await fetch(`${api}/v1/webhooks/inbound/website`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_restart_1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_restart_1', at, body),
      },
      body,
    });
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    expect(
      ((await (await call('GET', `/v1/webhooks/inbound-messages/${id}`)).json()) as { status: string })
        .status,
    ).toBe('received');

    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;

    await startHubProcess({}, ports);
    let message: { status: string; result?: { leadId: string }; attempts: number } | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      message = (await (await call('GET', `/v1/webhooks/inbound-messages/${id}`)).json()) as typeof message;
      if (message?.status === 'processed') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(message?.status).toBe('processed');
    expect(message?.attempts).toBe(1);
    const leads = (await (await call('GET', '/v1/leads?limit=100')).json()) as {
      items: { email?: string }[];
    };
    expect(leads.items.filter((l) => l.email === 'killed.once@example.com')).toHaveLength(1);
  });
});
