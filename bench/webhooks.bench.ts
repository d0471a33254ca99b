/**
 * Webhooks on the local hub (in its own process), over real sockets:
 *   - inbound: signed Standard Webhooks requests at concurrency 16 — the acknowledgement's latency
 *     p50/p99 (verified, stored raw, queued; target p99 < 200 ms) and verified requests per second,
 *     then how long until every one was processed;
 *   - outbound: each account created is an event delivered to a receiver in this process, through
 *     the table's stream, the events queue, the fan-out and the deliveries queue. The latency from
 *     the committed change (its 201) to the receiver's request, p50/p95 (target p95 < 1 s), at a
 *     steady 10 changes a second; and events per second delivered when changes come as fast as
 *     8 clients can make them (a burst, where the queues absorb what the consumers cannot keep up with).
 * Targets are printed beside the figures, never asserted.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startHubChild } from './support/hub-child.ts';
import { fmt, percentile, runLoad, table } from './support/stats.ts';

const INBOUND = Number(process.env.BENCH_INBOUND ?? 2000);
const OUTBOUND = Number(process.env.BENCH_OUTBOUND ?? 300);
const PACED = Number(process.env.BENCH_PACED ?? 100);
const PACED_PER_SECOND = 10;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export async function webhooksBench(dynamodbEndpoint: string): Promise<string> {
  const arrivals = new Map<string, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { recordId: string } };
      if (!arrivals.has(event.data.recordId)) arrivals.set(event.data.recordId, at);
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const { ready, stop } = await startHubChild(dynamodbEndpoint);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${ready.api}${path}`, {
      method,
      headers: { 'x-api-key': ready.keys.admin as string, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  try {
    // ── Inbound ──
    await call('POST', '/v1/admin/webhook-sources', {
      content: { name: 'Bench', source: 'bench', scheme: 'standard-webhooks', mapping: 'store' },
      activate: true,
    });
    await call('PUT', '/v1/webhooks/sources/bench/secret', { secret: SECRET });
    const signer = new Webhook(SECRET);
    const send = async (i: number) => {
      const body = JSON.stringify({ type: 'bench.event', data: { n: i } });
      const at = new Date();
      const response = await fetch(`${ready.api}/v1/webhooks/inbound/bench`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': `msg_${i}`,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signer.sign(`msg_${i}`, at, body),
        },
        body,
      });
      await response.arrayBuffer();
      return response.status === 202;
    };
    // Warm the handler and the source cache.
    for (let i = 0; i < 20; i++) await send(-1 - i);
    const inbound = await runLoad(INBOUND, 16, (i) => send(i));
    const drainStart = performance.now();
    let processed = 0;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(250)) {
      const received = await call('GET', '/v1/webhooks/inbound-messages?status=received&limit=1');
      if ((received.body.items as unknown[]).length === 0) {
        processed = INBOUND;
        break;
      }
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;

    // ── Outbound ──
    const endpoint = await call('POST', '/v1/webhooks/endpoints', {
      url: receiverUrl,
      eventTypes: ['account.created'],
      rateLimitPerSecond: 1000,
    });
    if (endpoint.status !== 201)
      throw new Error(`endpoint: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
    const committed = new Map<string, number>();
    const create = async (i: number) => {
      const made = await call('POST', '/v1/accounts', { name: `Bench Account ${i}` });
      if (made.status !== 201) return false;
      committed.set(made.body.id as string, performance.now());
      return true;
    };
    for (let i = 0; i < 10; i++) await create(-1 - i);
    await sleep(2000);
    const waitFor = async (ids: string[]) => {
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(50))
        if (ids.every((id) => arrivals.has(id))) return;
    };
    const latenciesOf = (ids: string[]) =>
      ids
        .filter((id) => arrivals.has(id))
        .map((id) => (arrivals.get(id) as number) - (committed.get(id) as number))
        .sort((a, b) => a - b);

    // Steady: one change every 100 ms.
    let seen = new Set(committed.keys());
    for (let i = 0; i < PACED; i++) {
      const t0 = performance.now();
      await create(1_000_000 + i);
      await sleep(Math.max(0, 1000 / PACED_PER_SECOND - (performance.now() - t0)));
    }
    const pacedIds = [...committed.keys()].filter((id) => !seen.has(id));
    await waitFor(pacedIds);
    const paced = latenciesOf(pacedIds);

    // Burst: as fast as 8 clients go.
    seen = new Set(committed.keys());
    const started = performance.now();
    const outbound = await runLoad(OUTBOUND, 8, create);
    const ids = [...committed.keys()].filter((id) => !seen.has(id));
    await waitFor(ids);
    const latencies = latenciesOf(ids);
    const lastArrival = Math.max(...ids.map((id) => arrivals.get(id) ?? 0));
    const deliveredPerSecond = latencies.length / ((lastArrival - started) / 1000);

    return [
      'Webhooks (local hub, its own process)',
      table([
        ['measure', 'figure', 'target'],
        [`inbound acks at concurrency 16 (${INBOUND})`, `${fmt(inbound.perSecond)} verified req/s`, ''],
        ['inbound ack latency p50 / p99', `${fmt(inbound.p50)} / ${fmt(inbound.p99)} ms`, 'p99 < 200 ms'],
        ['inbound errors', String(inbound.errors), '0'],
        [
          'inbound: all processed after the last ack',
          processed === INBOUND ? `${fmt(drainSeconds, 2)} s` : 'not within 120 s',
          '',
        ],
        [
          `commit → receiver p50 / p95 at ${PACED_PER_SECOND} changes/s (${paced.length} of ${pacedIds.length})`,
          `${fmt(percentile(paced, 50))} / ${fmt(percentile(paced, 95))} ms`,
          'p95 < 1000 ms',
        ],
        ['commit → receiver p95 ÷ target', fmt(percentile(paced, 95) / 1000, 2), '≤ 1'],
        [`burst: changes at concurrency 8 (${OUTBOUND})`, `${fmt(outbound.perSecond)} commits/s`, ''],
        [
          'burst: events delivered',
          `${latencies.length} of ${ids.length}, ${fmt(deliveredPerSecond)} events/s`,
          '',
        ],
        [
          'burst: commit → receiver p50 / p95',
          `${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 95))} ms`,
          '',
        ],
        ['inbound ack p99 ÷ target', fmt(inbound.p99 / 200, 2), '≤ 1'],
      ]),
    ].join('\n');
  } finally {
    await stop();
    receiver.close();
  }
}
