/**
 * The ERP port over ERPNext's REST API (the contract of docs/erp.md). Every call runs through
 * three policies (cockatiel), outermost first:
 *   retry    — on a refused connection, a timeout, 5xx and 429: up to `maxAttempts` tries, waiting
 *              what `Retry-After` says, else exponential backoff with full jitter;
 *   breaker  — after `breakerThreshold` consecutive failures that mean the ERP is down (not 429s),
 *              calls fail at once for `breakerCooldownMs`, then one trial call is let through;
 *   timeout  — each try is abandoned after `timeoutMs`.
 * Writes carry the reference Junction derives from its own ids (`po_no`, `reference_no`): when an
 * answer is lost after the ERP committed, the retry's create answers 409 naming the document the
 * first attempt made, and the adapter carries on with that one. So one order is one sales order.
 */
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  type IPolicy,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import {
  type CreditInfo,
  type ErpGateway,
  type ErpInvoice,
  type ErpPayment,
  ErpRejectedError,
  type ErpSalesOrder,
  type ErpShipment,
  ErpUnavailableError,
  type InvoiceRequest,
  type PaymentRequest,
  type SalesOrderRequest,
} from './erp-gateway.ts';

export interface ErpNextOptions {
  baseUrl: string;
  /** `token <api_key>:<api_secret>`, or how to read it (from a secret store, at first use). */
  authorization: string | (() => Promise<string>);
  /** The company whose credit limit applies (ERPNext keeps one per company). */
  company?: string;
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /** Told of every retry, with what failed and how long until the next try. */
  onRetry?: (event: { attempt: number; delayMs: number; error: string }) => void;
  fetch?: typeof fetch;
}

/** A try that failed in a way worth another: the ERP down or slow, 5xx, or 429. */
class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    /** 429: the ERP is up and asks for patience; not a sign it is down. */
    readonly throttled = false,
  ) {
    super(message);
  }
}

/** 409 on a create: the reference already names a document. */
class DuplicateError extends Error {
  constructor(readonly existing: string) {
    super(`already exists: ${existing}`);
  }
}

interface Doc {
  name: string;
  docstatus: number;
  status?: string;
  [field: string]: unknown;
}

const digitsOf = (currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
export const toMajor = (minor: number, currency: string) => minor / 10 ** digitsOf(currency);
export const toMinor = (major: number, currency: string) => Math.round(major * 10 ** digitsOf(currency));

/** Seconds or an HTTP date, as `Retry-After` may carry; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function erpNextGateway(options: ErpNextOptions): ErpGateway {
  const base = options.baseUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;
  const baseDelay = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const company = options.company;
  let authorization: Promise<string> | undefined;
  const authorizationHeader = () => {
    const given = options.authorization;
    authorization ??= typeof given === 'string' ? Promise.resolve(given) : given();
    // A failed read is tried again at the next call, not remembered.
    authorization.catch(() => {
      authorization = undefined;
    });
    return authorization;
  };

  /** A try that timed out or failed in a way worth another. */
  const transient = (e: Error) => e instanceof TransientError || e instanceof TaskCancelledError;
  const breaker = circuitBreaker(
    handleWhen((e) => transient(e) && !(e instanceof TransientError && e.throttled)),
    {
      halfOpenAfter: options.breakerCooldownMs ?? 30_000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    },
  );
  const retries = retry(handleWhen(transient), {
    maxAttempts: (options.maxAttempts ?? 6) - 1,
    backoff: new DelegateBackoff((context) => {
      const error = 'error' in context.result ? context.result.error : undefined;
      const asked = error instanceof TransientError ? error.retryAfterMs : undefined;
      const delay =
        asked !== undefined
          ? Math.min(asked, maxDelay)
          : Math.random() * Math.min(maxDelay, baseDelay * 2 ** context.attempt);
      options.onRetry?.({ attempt: context.attempt, delayMs: delay, error: String(error) });
      return delay;
    }),
  });
  const policy: IPolicy = wrap(
    retries,
    breaker,
    timeout(options.timeoutMs ?? 10_000, TimeoutStrategy.Aggressive),
  );

  async function once(method: string, path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: await authorizationHeader(),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
        redirect: 'error',
      });
    } catch (error) {
      throw new TransientError(`${method} ${path}: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // An HTML error page from a proxy: the status says enough.
    }
    if (response.ok) return json;
    const message =
      `${method} ${path}: ${response.status} ${String(json.exc_type ?? '')} ${String(json.message ?? '')}`.trim();
    if (response.status === 429)
      throw new TransientError(message, retryAfterMs(response.headers.get('retry-after')), true);
    if (response.status >= 500)
      throw new TransientError(message, retryAfterMs(response.headers.get('retry-after')));
    if (response.status === 409 && typeof json.name === 'string') throw new DuplicateError(json.name);
    throw new ErpRejectedError(response.status, String(json.exc_type ?? 'Error'), message);
  }

  async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    try {
      // A signal per call: the policies hang their abort listeners on it, not on one shared signal
      // that concurrent calls would pile listeners onto.
      const perCall = new AbortController().signal;
      const answer = await policy.execute(({ signal }) => once(method, path, body, signal), perCall);
      return answer as Record<string, unknown>;
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new ErpUnavailableError(
          'the ERP failed repeatedly; calls pause until it answers again',
          Math.ceil((options.breakerCooldownMs ?? 30_000) / 1000),
        );
      if (error instanceof TransientError || error instanceof TaskCancelledError)
        throw new ErpUnavailableError(
          `the ERP did not answer after ${options.maxAttempts ?? 6} tries: ${error.message}`,
          error instanceof TransientError && error.retryAfterMs !== undefined
            ? Math.ceil(error.retryAfterMs / 1000)
            : undefined,
        );
      throw error;
    }
  }

  const doc = (doctype: string, name?: string, action?: 'submit' | 'cancel') =>
    `/api/v2/document/${encodeURIComponent(doctype)}${name ? `/${encodeURIComponent(name)}` : ''}${action ? `/method/${action}/` : ''}`;
  const get = async (doctype: string, name: string) => (await call('GET', doc(doctype, name))).data as Doc;
  const submit = async (doctype: string, name: string) =>
    (await call('POST', doc(doctype, name, 'submit'))).data as Doc;

  /** Inserts (submitted) once per reference: a duplicate is the first attempt's document, submitted now if a draft. */
  async function insertOnce(doctype: string, body: Record<string, unknown>): Promise<Doc> {
    try {
      return (await call('POST', doc(doctype), { ...body, docstatus: 1 })).data as Doc;
    } catch (error) {
      if (!(error instanceof DuplicateError)) throw error;
      const existing = await get(doctype, error.existing);
      return existing.docstatus === 0 ? submit(doctype, existing.name) : existing;
    }
  }

  const salesOrderOf = (d: Doc): ErpSalesOrder => {
    const currency = String(d.currency);
    return {
      name: d.name,
      reference: String(d.po_no ?? ''),
      status: String(d.status ?? ''),
      submitted: d.docstatus === 1,
      cancelled: d.docstatus === 2,
      total: toMinor(Number(d.grand_total), currency),
      currency,
      lines: ((d.items as Record<string, unknown>[]) ?? []).map((r) => ({
        itemCode: String(r.item_code),
        quantity: Number(r.qty),
        delivered: Number(r.delivered_qty ?? 0),
        billed: Number(r.billed_qty ?? 0),
      })),
    };
  };

  const invoiceOf = (d: Doc): ErpInvoice => {
    const currency = String(d.currency);
    return {
      name: d.name,
      reference: String(d.po_no ?? ''),
      salesOrder: String(d.sales_order ?? ''),
      status: String(d.status ?? ''),
      total: toMinor(Number(d.grand_total), currency),
      outstanding: toMinor(Number(d.outstanding_amount), currency),
      currency,
    };
  };

  async function cancel(doctype: string, name: string) {
    const current = await get(doctype, name);
    if (current.docstatus === 2) return;
    await call('POST', doc(doctype, name, 'cancel'));
  }

  return {
    async creditInfo(customer) {
      const found = await get('Customer', customer);
      const limits = (found.credit_limits as { company: string; credit_limit: number }[] | undefined) ?? [];
      const limit = (company ? limits.find((l) => l.company === company) : limits[0])?.credit_limit;
      const currency = String(found.default_currency ?? 'EUR');
      const outstanding = (
        await call('POST', '/api/method/erpnext.selling.doctype.customer.customer.get_customer_outstanding', {
          customer,
          ...(company ? { company } : {}),
        })
      ).message as number;
      const info: CreditInfo = {
        customer,
        currency,
        limit: limit === undefined || limit === 0 ? undefined : toMinor(limit, currency),
        outstanding: toMinor(Number(outstanding), currency),
      };
      return info;
    },

    async createSalesOrder(request: SalesOrderRequest) {
      const created = await insertOnce('Sales Order', {
        customer: request.customer,
        po_no: request.reference,
        currency: request.currency,
        items: request.lines.map((l) => ({
          item_code: l.itemCode,
          qty: l.quantity,
          rate: toMajor(l.rate, request.currency),
        })),
      });
      return salesOrderOf(created);
    },

    async salesOrder(name) {
      return salesOrderOf(await get('Sales Order', name));
    },

    async findSalesOrder(reference) {
      const filters = JSON.stringify([
        ['po_no', '=', reference],
        ['docstatus', '!=', 2],
      ]);
      const page = await call('GET', `${doc('Sales Order')}?filters=${encodeURIComponent(filters)}&limit=1`);
      const found = (page.data as Doc[])[0];
      return found ? salesOrderOf(await get('Sales Order', found.name)) : undefined;
    },

    async listSalesOrders({ start, limit }) {
      const filters = JSON.stringify([['docstatus', '!=', 0]]);
      const fields = JSON.stringify(['name', 'po_no', 'status', 'docstatus', 'grand_total', 'currency']);
      const page = await call(
        'GET',
        `${doc('Sales Order')}?filters=${encodeURIComponent(filters)}&fields=${encodeURIComponent(fields)}&order_by=${encodeURIComponent('creation asc')}&limit=${limit}&start=${start}`,
      );
      const items = (page.data as Doc[]).map((d) => {
        const { lines: _lines, ...summary } = salesOrderOf({ ...d, items: [] });
        return summary;
      });
      return { items, more: page.has_next_page === true };
    },

    async cancelSalesOrder(name) {
      await cancel('Sales Order', name);
    },

    async shipments(salesOrder) {
      const shipments: ErpShipment[] = [];
      for (let start = 0; ; start += 100) {
        const filters = JSON.stringify([
          ['against_sales_order', '=', salesOrder],
          ['docstatus', '=', 1],
        ]);
        const page = await call(
          'GET',
          `${doc('Delivery Note')}?filters=${encodeURIComponent(filters)}&limit=100&start=${start}`,
        );
        for (const d of page.data as Doc[])
          shipments.push({
            name: d.name,
            salesOrder,
            shippedAt: String(d.modified ?? d.creation),
            lines: ((d.items as Record<string, unknown>[]) ?? []).map((r) => ({
              itemCode: String(r.item_code),
              quantity: Number(r.qty),
              orderLine: Number(r.so_detail) - 1,
            })),
          });
        if (!page.has_next_page) break;
      }
      return shipments.sort((a, b) => a.shippedAt.localeCompare(b.shippedAt) || a.name.localeCompare(b.name));
    },

    async createInvoice(request: InvoiceRequest) {
      const method = request.shipment
        ? 'erpnext.stock.doctype.delivery_note.delivery_note.make_sales_invoice'
        : 'erpnext.selling.doctype.sales_order.sales_order.make_sales_invoice';
      const draft = (
        await call('POST', `/api/method/${method}`, { source_name: request.shipment ?? request.salesOrder })
      ).message as Record<string, unknown>;
      return invoiceOf(await insertOnce('Sales Invoice', { ...draft, po_no: request.reference }));
    },

    async invoice(name) {
      return invoiceOf(await get('Sales Invoice', name));
    },

    async cancelInvoice(name) {
      await cancel('Sales Invoice', name);
    },

    async recordPayment(request: PaymentRequest) {
      const major = toMajor(request.amount, request.currency);
      const draft = (
        await call(
          'POST',
          '/api/method/erpnext.accounts.doctype.payment_entry.payment_entry.get_payment_entry',
          {
            dt: 'Sales Invoice',
            dn: request.invoice,
            party_amount: major,
          },
        )
      ).message as Record<string, unknown>;
      const entry = await insertOnce('Payment Entry', {
        ...draft,
        payment_type: request.direction === 'refund' ? 'Pay' : 'Receive',
        paid_amount: major,
        reference_no: request.reference,
        references: [
          { reference_doctype: 'Sales Invoice', reference_name: request.invoice, allocated_amount: major },
        ],
      });
      const payment: ErpPayment = {
        name: entry.name,
        reference: request.reference,
        invoice: request.invoice,
        amount: toMinor(Number(entry.paid_amount), request.currency),
      };
      return payment;
    },
  };
}
