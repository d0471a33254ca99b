/**
 * The local ERP: a real HTTP server speaking the ERPNext-shaped contract of docs/erp.md over the
 * books of ./erp-documents.ts, started by the hub. Besides the contract it serves what a
 * developer and the tests need to play the ERP's part:
 *   GET  /                        a page of every document, with a button per open sales order
 *                                 to ship what is left (or part of it)
 *   POST /api/local/ship          {sales_order, items?: [{item_code, qty}]} — a delivery note,
 *                                 submitted: the ERP reporting a (partial) shipment
 *   GET|POST|DELETE /api/local/faults   faults to inject, per endpoint or for all (see Fault)
 * With a data directory its books survive restarts (`erp.json`).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEMO_CUSTOMER, DEMO_PRODUCTS } from '../demo-catalogue.ts';
import { ErpBooks, type ErpDoc, ErpError } from './erp-documents.ts';
import { erpPage } from './erp-page.ts';

/**
 * A fault the ERP injects into requests whose "METHOD /path" contains `match` (all when absent):
 *   latency            wait `ms`, then answer normally
 *   throttle           429 with `Retry-After: retryAfter` seconds, nothing done
 *   error              `status` (500, 502, 503), nothing done
 *   timeout-after-commit  do the work, then never answer (the socket is dropped after `ms`)
 *   down               drop the connection without an answer, nothing done
 * `times` limits how many requests it hits; `forMs` how long it lasts.
 */
export interface Fault {
  kind: 'latency' | 'throttle' | 'error' | 'timeout-after-commit' | 'down';
  match?: string;
  ms?: number;
  status?: number;
  retryAfter?: number;
  times?: number;
  forMs?: number;
}

interface ActiveFault extends Fault {
  id: number;
  until?: number;
  hits: number;
}

export interface LocalErp {
  url: string;
  /** The `Authorization` header value the ERP accepts. */
  authorization: string;
  books: ErpBooks;
  injectFault(fault: Fault): number;
  clearFaults(): void;
  /** Requests seen per "METHOD /path", for tests and the page. */
  requests(): { method: string; path: string; status: number; at: string }[];
  close(): Promise<void>;
}

export interface LocalErpOptions {
  port: number;
  host?: string;
  dataDir?: string;
  apiKey?: string;
  apiSecret?: string;
}

const MAX_BODY = 1024 * 1024;

/** The demo catalogue in ERP terms: decimals, as ERPNext keeps money. */
export const DEMO_BOOKS = {
  customers: [
    { name: DEMO_CUSTOMER.account.name, credit_limit: DEMO_CUSTOMER.creditLimit / 100, currency: 'EUR' },
  ],
  items: DEMO_PRODUCTS.map((p) => ({
    item_code: p.sku,
    item_name: p.name,
    standard_rate: p.unitPrice / 100,
  })),
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ErpError(413, 'ValidationError', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ErpError(400, 'ValidationError', 'the body is not JSON');
  }
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export async function startLocalErp(options: LocalErpOptions): Promise<LocalErp> {
  const host = options.host ?? '127.0.0.1';
  const authorization = `token ${options.apiKey ?? 'junction-local'}:${options.apiSecret ?? 'local-secret'}`;
  const books = new ErpBooks(options.dataDir ? join(options.dataDir, 'erp.json') : undefined, DEMO_BOOKS);
  const faults: ActiveFault[] = [];
  let nextFaultId = 1;
  const seen: { method: string; path: string; status: number; at: string }[] = [];

  const injectFault = (fault: Fault) => {
    const id = nextFaultId++;
    faults.push({ ...fault, id, hits: 0, ...(fault.forMs ? { until: Date.now() + fault.forMs } : {}) });
    return id;
  };

  const faultFor = (line: string): ActiveFault | undefined => {
    const now = Date.now();
    for (let i = faults.length - 1; i >= 0; i--) {
      const f = faults[i] as ActiveFault;
      if ((f.until !== undefined && f.until <= now) || (f.times !== undefined && f.hits >= f.times))
        faults.splice(i, 1);
    }
    const fault = faults.find((f) => !f.match || line.includes(f.match));
    if (fault) fault.hits++;
    return fault;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  /** The contract's routes; returns the JSON to answer with. */
  async function route(method: string, path: string, url: URL, req: IncomingMessage): Promise<unknown> {
    const doc = /^\/api\/v2\/document\/([^/]+)(?:\/([^/]+))?(?:\/method\/(submit|cancel)\/?)?$/.exec(path);
    if (doc) {
      const doctype = decodeURIComponent(doc[1] as string);
      const name = doc[2] ? decodeURIComponent(doc[2]) : undefined;
      const action = doc[3];
      if (method === 'GET' && !name) {
        const filters = parseFilters(url.searchParams.get('filters'));
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 20) || 20, 500);
        const start = Number(url.searchParams.get('start') ?? 0) || 0;
        return books.list(doctype, filters, start, limit);
      }
      if (method === 'GET' && name && !action) return { data: books.get(doctype, name) };
      if (method === 'POST' && name && action === 'submit') return { data: books.submit(doctype, name) };
      if (method === 'POST' && name && action === 'cancel') return { data: books.cancel(doctype, name) };
      if (method === 'POST' && !name) {
        const body = record(await readBody(req));
        const inserted: ErpDoc = books.insert(doctype, body);
        return { data: body.docstatus === 1 ? books.submit(doctype, inserted.name) : inserted };
      }
    }
    const api = /^\/api\/method\/([\w.]+)$/.exec(path);
    if (api && method === 'POST') {
      const body = record(await readBody(req));
      switch (api[1]) {
        case 'erpnext.selling.doctype.sales_order.sales_order.make_delivery_note':
          return { message: books.makeDeliveryNote(String(body.source_name)) };
        case 'erpnext.selling.doctype.sales_order.sales_order.make_sales_invoice':
          return { message: books.makeSalesInvoice({ salesOrder: String(body.source_name) }) };
        case 'erpnext.stock.doctype.delivery_note.delivery_note.make_sales_invoice':
          return { message: books.makeSalesInvoice({ deliveryNote: String(body.source_name) }) };
        case 'erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry':
          return {
            message: books.makePaymentEntry(
              String(body.dn),
              body.party_amount === undefined ? undefined : Number(body.party_amount),
            ),
          };
        case 'erpnext.selling.doctype.customer.customer.get_customer_outstanding':
          books.get('Customer', String(body.customer));
          return { message: books.customerOutstanding(String(body.customer)) };
      }
    }
    throw new ErpError(404, 'DoesNotExistError', `no such endpoint: ${method} ${path}`);
  }

  /** The stand-in's own controls. */
  async function local(
    method: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<boolean> {
    if (path === '/api/local/faults') {
      if (method === 'GET') send(res, 200, { faults });
      else if (method === 'DELETE') {
        faults.length = 0;
        send(res, 200, { faults });
      } else if (method === 'POST') {
        const body = record(await readBody(req)) as unknown as Fault;
        if (!['latency', 'throttle', 'error', 'timeout-after-commit', 'down'].includes(body.kind))
          throw new ErpError(
            400,
            'ValidationError',
            'kind is one of latency, throttle, error, timeout-after-commit, down',
          );
        send(res, 201, { id: injectFault(body) });
      } else return false;
      return true;
    }
    if (path === '/api/local/ship' && method === 'POST') {
      const body = record(await readBody(req));
      const items = Array.isArray(body.items)
        ? (body.items as { item_code: string; qty: number }[]).map((i) => ({
            item_code: i.item_code,
            qty: Number(i.qty),
          }))
        : body.item_code
          ? [{ item_code: String(body.item_code), qty: Number(body.qty) }]
          : undefined;
      const draft = books.makeDeliveryNote(String(body.sales_order), items);
      const note = books.insert('Delivery Note', draft);
      const submitted = books.submit('Delivery Note', note.name);
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        res.writeHead(303, { location: '/' });
        res.end();
      } else send(res, 201, { data: submitted });
      return true;
    }
    if (path === '/' && method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      });
      res.end(erpPage(books.all(), faults, seen.slice(-30).reverse()));
      return true;
    }
    return false;
  }

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://erp.local');
    const path = url.pathname;
    const line = `${method} ${decodeURIComponent(path)}`;
    const note = (status: number) => {
      seen.push({ method, path: decodeURIComponent(path), status, at: new Date().toISOString() });
      if (seen.length > 1000) seen.shift();
    };
    void (async () => {
      try {
        if (!path.startsWith('/api/local') && path !== '/') {
          const fault = faultFor(line);
          if (fault?.kind === 'down') {
            note(0);
            req.socket.destroy();
            return;
          }
          if (fault?.kind === 'throttle') {
            note(429);
            send(
              res,
              429,
              { exc_type: 'TooManyRequestsError', message: 'Too many requests' },
              { 'retry-after': String(fault.retryAfter ?? 1) },
            );
            return;
          }
          if (fault?.kind === 'error') {
            const status = fault.status ?? 503;
            note(status);
            send(res, status, { exc_type: 'ServerError', message: `injected ${status}` });
            return;
          }
          if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms ?? 1000));
          const given = req.headers.authorization ?? '';
          if (!sameSecret(given, authorization)) {
            note(401);
            send(res, 401, { exc_type: 'AuthenticationError', message: 'Invalid or missing API token' });
            return;
          }
          const body = await route(method, path, url, req);
          if (fault?.kind === 'timeout-after-commit') {
            // The write happened; the caller never hears of it.
            note(0);
            setTimeout(() => req.socket.destroy(), fault.ms ?? 50);
            return;
          }
          note(200);
          send(res, 200, body);
          return;
        }
        if (!(await local(method, path, req, res)))
          throw new ErpError(404, 'DoesNotExistError', `no such endpoint: ${line}`);
      } catch (error) {
        if (error instanceof ErpError) {
          note(error.status);
          send(res, error.status, { exc_type: error.excType, message: error.message, ...(error.data ?? {}) });
        } else {
          note(500);
          send(res, 500, { exc_type: 'ServerError', message: (error as Error).message });
        }
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    authorization,
    books,
    injectFault,
    clearFaults: () => {
      faults.length = 0;
    },
    requests: () => [...seen],
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseFilters(raw: string | null): [string, string, unknown][] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ErpError(400, 'ValidationError', 'filters must be JSON');
  }
  if (Array.isArray(parsed))
    return parsed.map((f) => {
      if (!Array.isArray(f) || f.length !== 3)
        throw new ErpError(400, 'ValidationError', 'a filter is [field, op, value]');
      return [String(f[0]), String(f[1]), f[2]];
    });
  return Object.entries(record(parsed)).map(([k, v]) => [k, '=', v]);
}
