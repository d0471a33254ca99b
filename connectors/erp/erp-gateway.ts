/**
 * What order-to-cash needs from an ERP, in Junction's terms: integer minor units, ISO 4217
 * currencies, and a reference Junction derives from its own ids on every write, so a retried
 * write — even one whose answer was lost after the ERP committed it — finds the document the
 * first attempt made instead of making a second. ./erpnext-gateway.ts speaks ERPNext's REST API
 * (the contract of docs/erp.md); an Odoo adapter would implement the same port.
 */

export interface ErpLine {
  itemCode: string;
  quantity: number;
  /** Gross minor units per unit. */
  rate: number;
}

export interface SalesOrderRequest {
  /** Junction's idempotency key for the sales order (the order id): the ERP's `po_no`. */
  reference: string;
  customer: string;
  currency: string;
  lines: ErpLine[];
}

export interface ErpSalesOrder {
  name: string;
  reference: string;
  status: string;
  submitted: boolean;
  cancelled: boolean;
  /** Minor units. */
  total: number;
  currency: string;
  lines: { itemCode: string; quantity: number; delivered: number; billed: number }[];
}

/** A sales order as a list shows it (reconciliation reads these a page at a time). */
export type ErpSalesOrderSummary = Omit<ErpSalesOrder, 'lines'>;

export interface ErpShipment {
  name: string;
  salesOrder: string;
  shippedAt: string;
  lines: { itemCode: string; quantity: number; orderLine: number }[];
}

export interface InvoiceRequest {
  /** Junction's idempotency key for the invoice (the invoice id). */
  reference: string;
  salesOrder: string;
  /** Bill exactly this shipment; omitted, bill what is not billed yet of the whole order. */
  shipment?: string;
}

export interface ErpInvoice {
  name: string;
  reference: string;
  salesOrder: string;
  status: string;
  total: number;
  outstanding: number;
  currency: string;
}

export interface PaymentRequest {
  /** Junction's idempotency key for the payment (the bank's or provider's id): `reference_no`. */
  reference: string;
  invoice: string;
  amount: number;
  currency: string;
  direction: 'receive' | 'refund';
}

export interface ErpPayment {
  name: string;
  reference: string;
  invoice: string;
  amount: number;
}

export interface CreditInfo {
  customer: string;
  currency: string;
  /** Minor units; undefined when the ERP sets no limit. */
  limit: number | undefined;
  /** What the customer owes on submitted invoices, minor units. */
  outstanding: number;
}

export interface ErpGateway {
  creditInfo(customer: string): Promise<CreditInfo>;
  /** Creates and submits the sales order once per reference; a repeat answers the first. */
  createSalesOrder(request: SalesOrderRequest): Promise<ErpSalesOrder>;
  salesOrder(name: string): Promise<ErpSalesOrder>;
  /** The live (not cancelled) sales order made with this reference, if the ERP has one. */
  findSalesOrder(reference: string): Promise<ErpSalesOrder | undefined>;
  /** Submitted and cancelled sales orders, oldest first, a page at a time. */
  listSalesOrders(page: {
    start: number;
    limit: number;
  }): Promise<{ items: ErpSalesOrderSummary[]; more: boolean }>;
  /** Cancels a sales order nothing submitted depends on; cancelling a cancelled one is a no-op. */
  cancelSalesOrder(name: string): Promise<void>;
  /** The submitted shipments (delivery notes) of a sales order, oldest first. */
  shipments(salesOrder: string): Promise<ErpShipment[]>;
  createInvoice(request: InvoiceRequest): Promise<ErpInvoice>;
  invoice(name: string): Promise<ErpInvoice>;
  cancelInvoice(name: string): Promise<void>;
  recordPayment(request: PaymentRequest): Promise<ErpPayment>;
}

/** The ERP refused the request as it stands (a 4xx other than 429): retrying will not help. */
export class ErpRejectedError extends Error {
  override name = 'ErpRejectedError';
  constructor(
    readonly status: number,
    readonly excType: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The ERP did not answer usefully within the retries (down, timing out, 5xx, throttling), or the
 * circuit is open after repeated failures. The write may or may not have happened; a later retry
 * with the same reference finds out without doubling it.
 */
export class ErpUnavailableError extends Error {
  override name = 'ErpUnavailableError';
  /** Worth trying again later: the order-to-cash definition retries it for over an hour. */
  readonly retryable = true;
  constructor(
    message: string,
    /** When the ERP said (or the circuit says) to come back, in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
