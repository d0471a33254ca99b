/**
 * Quote approval end to end on the local hub, decided through the links' pages and forms.
 *
 * The policy has a manager step for every discount over 10 % and a director step for discounts
 * over 25 %. Quotes at 20 % take one step, quotes at 30 % two, alternately, and per approval:
 *   - submit: the submit request's latency;
 *   - submit → email: Load Step, Request Decisions, SES, until the email is in the inbox;
 *   - decision → next email (two-step quotes): from the manager's decision POST to the director's
 *     email in the inbox — settlement, SendTaskSuccess, Next Step, Load Step, Request Decisions, SES;
 *   - last decision → approved: until the quote reads Approved;
 *   - state transitions of a single-step approval's execution (on AWS: what it is billed for).
 * A second round submits a burst at once.
 *
 * The hub runs in this process (handlers, Step Functions service, stand-ins), so figures include
 * the load generator's share of one event loop; concurrency is kept low for that reason. Targets
 * (printed, not asserted): p95 decision → next approver's email ≤ 1 s; ≤ 15 transitions.
 */
import { randomBytes } from 'node:crypto';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startHub } from '#local/hub';
import { fmt, percentile, table } from './support/stats.ts';

const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 40);
const CONCURRENCY = 4;
const BURST = Number(process.env.BENCH_APPROVAL_BURST ?? 20);

interface Timing {
  submitMs: number;
  toEmailMs: number;
  /** Two-step quotes: the first decision's POST → the second step's email in the inbox. */
  toNextEmailMs?: number;
  toApprovedMs: number;
  /** Single-step quotes: state transitions of the execution. */
  transitions?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export async function quoteApprovalBench(dynamodbEndpoint: string): Promise<string> {
  const suffix = randomBytes(3).toString('hex');
  const hub = await startHub({
    ports: { api: 0, dynamodb: 0, ses: 0, sms: 0 },
    dynamodbEndpoint,
    tables: { records: `bench-qa-${suffix}`, idempotency: `bench-qa-idem-${suffix}` },
  });
  const sfn = new SFNClient({ endpoint: hub.urls.sfn });
  try {
    const call = async (method: string, path: string, body?: unknown, role = 'admin') => {
      const response = await fetch(`${hub.urls.api}${path}`, {
        method,
        headers: {
          'x-api-key': hub.keys[role as keyof typeof hub.keys],
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const id = async (path: string, body: unknown) => {
      const created = await call('POST', path, body);
      if (created.status !== 201)
        throw new Error(`${path}: ${created.status} ${JSON.stringify(created.body)}`);
      return String(created.body.id);
    };
    const manager = await id('/v1/users', {
      name: 'Max Manager',
      email: 'max.bench@example.com',
      role: 'manager',
    });
    const seller = await id('/v1/users', {
      name: 'Ana Seller',
      email: 'ana.bench@example.com',
      role: 'sales',
      managerId: manager,
    });
    const admin = await id('/v1/users', { name: 'Ada Admin', email: 'ada.bench@example.com', role: 'admin' });
    const director = await id('/v1/users', {
      name: 'Dora Director',
      email: 'dora.bench@example.com',
      role: 'manager',
    });
    const account = await id('/v1/accounts', { name: 'Acme' });
    const product = await id('/v1/products', {
      name: 'Seat',
      sku: `SEAT-${suffix}`,
      family: 'Software',
      currency: 'EUR',
      unitPrice: 100_000,
    });
    await id('/v1/admin/approval-policies', {
      activate: true,
      content: {
        name: 'Discounts',
        appliesWhen: { fact: 'discountPercent', op: 'gt', value: 10 },
        steps: [
          { name: 'Manager', approvers: [{ type: 'manager', level: 1 }] },
          {
            name: 'Director',
            when: { fact: 'discountPercent', op: 'gt', value: 25 },
            approvers: [{ type: 'user', userId: director }],
          },
        ],
        fallbackApproverId: admin,
      },
    });
    const machine = hub.stateMachines.find((m) => m.name === 'quote-approval');
    if (!machine) throw new Error('quote-approval is not running on the hub');

    const linkFor = async (quoteName: string, to: string) => {
      const store = (await (await fetch(`${hub.urls.ses}/store`)).json()) as {
        emails: { subject: string; destination: { to: string[] }; body: { text?: string } }[];
      };
      const email = store.emails.find(
        (e) => e.subject.includes(`: ${quoteName} for `) && e.destination.to.includes(to),
      );
      return email ? /\/approvals\/([A-Za-z0-9_-]+)/.exec(email.body.text ?? '')?.[1] : undefined;
    };
    /** Opens the link's page and approves through its form, as a phone would. */
    const approve = async (link: string, name: string) => {
      const page = await (await fetch(`${hub.urls.api}/approvals/${link}`)).text();
      const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1];
      const decided = await fetch(`${hub.urls.api}/approvals/${link}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ nonce, decision: 'approve' }),
      });
      if (decided.status !== 200) throw new Error(`decision on ${name}: ${decided.status}`);
    };

    const approveOne = async (name: string, twoStep: boolean): Promise<Timing> => {
      const quote = await id('/v1/quotes', {
        name,
        accountId: account,
        ownerId: seller,
        currency: 'EUR',
        validUntil: '2030-12-31',
        lines: [{ productId: product, quantity: 5, discountPercent: twoStep ? 30 : 20 }],
      });
      const t0 = performance.now();
      const submitted = await call('POST', `/v1/quotes/${quote}/submit`, undefined, 'sales');
      const t1 = performance.now();
      if (submitted.status !== 202) throw new Error(`submit: ${submitted.status}`);
      const first = await until(() => linkFor(name, 'max.bench@example.com'), `the email for ${name}`);
      const t2 = performance.now();
      await approve(first, name);
      let lastDecision = performance.now();
      let toNextEmailMs: number | undefined;
      if (twoStep) {
        const second = await until(
          () => linkFor(name, 'dora.bench@example.com'),
          `the director's email for ${name}`,
        );
        toNextEmailMs = performance.now() - lastDecision;
        await approve(second, name);
        lastDecision = performance.now();
      }
      await until(
        async () =>
          (await call('GET', `/v1/quotes/${quote}`)).body.status === 'approved' ? true : undefined,
        `${name} approved`,
      );
      const t4 = performance.now();
      // The execution ends after the quote is approved (Finish emails the submitter): wait for it,
      // so its history is complete and no task is still running when the hub stops.
      const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${submitted.body.id}`;
      await until(async () => {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return status === 'RUNNING' ? undefined : status;
      }, `the execution of ${name} to end`);
      const timing: Timing = { submitMs: t1 - t0, toEmailMs: t2 - t1, toApprovedMs: t4 - lastDecision };
      if (toNextEmailMs !== undefined) timing.toNextEmailMs = toNextEmailMs;
      else {
        const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
        timing.transitions = (history.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
      }
      return timing;
    };

    const measure = async (label: string, total: number, concurrency: number) => {
      const timings: Timing[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < total; i = next++)
            timings.push(await approveOne(`Bench ${suffix} ${label} ${i}`, i % 2 === 1));
        }),
      );
      return { timings, seconds: (performance.now() - started) / 1000 };
    };

    const steady = await measure('steady', APPROVALS, CONCURRENCY);
    const burst = await measure('burst', BURST, BURST);
    const row = (label: string, run: { timings: Timing[]; seconds: number }) => {
      const pair = (values: (number | undefined)[]) => {
        const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
        return `${fmt(percentile(sorted, 50), 0)} / ${fmt(percentile(sorted, 95), 0)}`;
      };
      const transitions = run.timings.flatMap((t) => (t.transitions === undefined ? [] : [t.transitions]));
      return [
        label,
        run.timings.length,
        fmt(run.timings.length / run.seconds),
        pair(run.timings.map((t) => t.submitMs)),
        pair(run.timings.map((t) => t.toEmailMs)),
        pair(run.timings.map((t) => t.toNextEmailMs)),
        pair(run.timings.map((t) => t.toApprovedMs)),
        transitions.length === 0 ? '–' : `${Math.min(...transitions)}–${Math.max(...transitions)}`,
      ];
    };
    return [
      'Quote approval, end to end on the local hub (half one step, half two; decided by the links)',
      table([
        [
          'run',
          'approvals',
          'per s',
          'submit p50/p95 ms',
          'submit→email p50/p95 ms',
          'decision→next email p50/p95 ms',
          'last decision→approved p50/p95 ms',
          'transitions (1 step)',
        ],
        row(`steady (${CONCURRENCY} at a time)`, steady),
        row(`burst (${BURST} at once)`, burst),
      ]),
      'Targets (not asserted): p95 decision → next approver’s email ≤ 1000 ms; ≤ 15 transitions per single-step approval.',
    ].join('\n');
  } finally {
    sfn.destroy();
    await hub.stop();
  }
}

// `npx tsx bench/quote-approval.bench.ts` runs this benchmark alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { startDynamoDbLocal } = await import('#local/dynamodb-local');
  const { getPort } = await import('../test/support/ports.ts');
  const dynamodb = await startDynamoDbLocal({ port: await getPort() });
  try {
    console.log(await quoteApprovalBench(dynamodb.endpoint));
  } finally {
    await dynamodb.stop();
  }
}
