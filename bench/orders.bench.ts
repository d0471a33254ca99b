/**
 * Order-to-cash on the local hub (in its own process, workflow time 3600× so an hour of the
 * flow's waits passes in a second), with the local ERP over real HTTP:
 *   - orders per second from "order created" (`POST /v1/quotes/{id}/order`) to "ERP sales order
 *     confirmed" (the order's status, polled every 20 ms) at concurrency 8, with p50/p95;
 *   - state transitions per order from created to Closed with one shipment, one invoice and one
 *     payment, read from the execution histories (what it costs on AWS; target ≤ 40);
 *   - the ERP adapter's overhead (retry, breaker and timeout policies, conversion) against raw
 *     HTTP calls to the local ERP for the same document, in the same run.
 * Targets are printed beside the figures, never asserted.
 */
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { erpNextGateway } from '#connectors/erp/erpnext-gateway';
import { DEMO_CUSTOMER, DEMO_PRODUCTS } from '#local/demo-catalogue';
import { startHubChild } from './support/hub-child.ts';
import { fmt, percentile, runLoad, table } from './support/stats.ts';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 80);
const CONCURRENCY = 8;
const CLOSED_SAMPLE = 5;
const ADAPTER_CALLS = 300;
const TRANSITIONS_TARGET = 40;

export async function ordersBench(dynamodbEndpoint: string): Promise<string> {
  const { ready, stop } = await startHubChild(dynamodbEndpoint, { BENCH_TIME_SCALE: '3600' });
  const call = async (role: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${ready.api}${path}`, {
      method,
      headers: {
        'x-api-key': ready.keys[role] as string,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const created = async (path: string, body?: unknown, role = 'admin') => {
    const response = await call(role, 'POST', path, body);
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await sleep(20);
    }
  };

  try {
    // The demo customer and catalogue, which the local ERP knows.
    const ownerId = await created('/v1/users', {
      name: 'Bench Seller',
      email: 'bench.seller@example.com',
      role: 'sales',
    });
    const accountId = await created('/v1/accounts', { ...DEMO_CUSTOMER.account, ownerId });
    const [seat] = await Promise.all(DEMO_PRODUCTS.slice(0, 1).map((p) => created('/v1/products', { ...p })));
    const approvedQuote = async () => {
      const quoteId = await created('/v1/quotes', {
        name: 'Bench order',
        accountId,
        ownerId,
        currency: 'EUR',
        validUntil: '2027-12-31',
        lines: [{ productId: seat, quantity: 1 }],
      });
      if ((await call('admin', 'POST', `/v1/quotes/${quoteId}/submit`)).status !== 200)
        throw new Error('submit');
      return quoteId;
    };
    const orderStatus = async (id: string) => (await call('admin', 'GET', `/v1/orders/${id}`)).body;

    // Warm the handlers, the flow's tasks and the ERP adapter.
    for (let i = 0; i < 5; i++) {
      const id = await created(`/v1/quotes/${await approvedQuote()}/order`, undefined, 'finance');
      await until('warm-up order confirmed', async () => (await orderStatus(id)).status === 'confirmed');
    }

    const quotes: string[] = [];
    for (let i = 0; i < ORDERS; i++) quotes.push(await approvedQuote());
    const orderIds: string[] = [];
    const confirmed = await runLoad(ORDERS, CONCURRENCY, async (i) => {
      const id = await created(`/v1/quotes/${quotes[i]}/order`, undefined, 'finance');
      orderIds.push(id);
      await until('order confirmed', async () => (await orderStatus(id)).status === 'confirmed');
      return true;
    });

    // A few orders all the way to Closed: one shipment, one invoice, one payment each.
    const sfn = new SFNClient({
      endpoint: ready.sfn,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const transitions: number[] = [];
    for (const id of orderIds.slice(0, CLOSED_SAMPLE)) {
      const salesOrder = ((await orderStatus(id)).erp as { salesOrder: string }).salesOrder;
      const shipped = await fetch(`${ready.erp.url}/api/local/ship`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sales_order: salesOrder }),
      });
      if (shipped.status !== 201) throw new Error(`ship: ${shipped.status}`);
      let invoice: Record<string, unknown> | undefined;
      await until('invoice', async () => {
        const page = await call('finance', 'GET', `/v1/invoices?order=${id}`);
        invoice = (page.body.items as Record<string, unknown>[])[0];
        return invoice !== undefined;
      });
      const inv = invoice as Record<string, unknown>;
      await created(
        `/v1/invoices/${inv.id}/payments`,
        { amount: inv.amount, currency: 'EUR', externalId: `bench-${id}` },
        'integration',
      );
      await until('closed', async () => (await orderStatus(id)).status === 'closed');
      const arn = `arn:aws:states:us-east-1:000000000000:execution:order-to-cash:${id}`;
      await until('execution succeeded', async () => {
        const history = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }),
        );
        const events = history.events ?? [];
        if (!events.some((e) => e.type === 'ExecutionSucceeded')) return false;
        transitions.push(events.filter((e) => e.type?.endsWith('StateEntered')).length);
        return true;
      });
    }
    sfn.destroy();

    // The adapter against raw HTTP, reading the same sales order.
    const probe = ((await orderStatus(orderIds[0] as string)).erp as { salesOrder: string }).salesOrder;
    const gateway = erpNextGateway({ baseUrl: ready.erp.url, authorization: ready.erp.authorization });
    const timed = async (fn: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < ADAPTER_CALLS; i++) {
        const t0 = performance.now();
        await fn();
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b);
    };
    const raw = await timed(async () => {
      const response = await fetch(
        `${ready.erp.url}/api/v2/document/Sales%20Order/${encodeURIComponent(probe)}`,
        {
          headers: { authorization: ready.erp.authorization, accept: 'application/json' },
        },
      );
      await response.json();
    });
    const adapter = await timed(() => gateway.salesOrder(probe));

    const rawP50 = percentile(raw, 50);
    const adapterP50 = percentile(adapter, 50);
    const meanTransitions = transitions.reduce((a, b) => a + b, 0) / Math.max(1, transitions.length);
    return [
      `Order-to-cash on the local hub with the local ERP — ${ORDERS} orders at concurrency ${CONCURRENCY}, workflow time ×3600`,
      table([
        ['measure', 'orders/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'],
        [
          'order created → ERP sales order confirmed',
          fmt(confirmed.perSecond, 1),
          fmt(confirmed.p50),
          fmt(confirmed.p95),
          fmt(confirmed.p99),
          String(confirmed.errors),
        ],
      ]),
      `state transitions per order, created → Closed (one shipment, one invoice, one payment): ${fmt(meanTransitions, 1)} ` +
        `(${transitions.join(', ')} over ${transitions.length} orders; target ≤ ${TRANSITIONS_TARGET}). ` +
        'Each look for shipments or payment adds 3 (wait, task, choice); the waits double from an hour to a day.',
      table([
        ['ERP read of one sales order', 'p50 ms', 'p95 ms'],
        ['raw HTTP (fetch + JSON)', fmt(rawP50, 2), fmt(percentile(raw, 95), 2)],
        ['ErpGateway (policies, mapping)', fmt(adapterP50, 2), fmt(percentile(adapter, 95), 2)],
      ]),
      `adapter overhead: ${fmt(adapterP50 - rawP50, 2)} ms per call at p50 (${fmt(adapterP50 / rawP50, 2)}× raw), ${ADAPTER_CALLS} calls each`,
    ].join('\n');
  } finally {
    await stop();
  }
}
