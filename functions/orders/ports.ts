/**
 * What the order use cases need from the world. Orders, shipments, invoices and payments are
 * records, written together through the record port's writeAll; the order-to-cash workflow runs
 * each order; the ERP (connectors/erp/) keeps the books the flow syncs with. ./wiring.ts builds
 * the production adapters; tests pass fakes.
 */
import type { EmailSender } from '#connectors/email/email-sender';
import type { ErpGateway } from '#connectors/erp/erp-gateway';
import type { SmsSender } from '#connectors/sms/sms-sender';
import type { TaskCallbackRecord } from '#store/execution-links';
import type { Outbox } from '#store/message-outbox';
import type { ReconciliationStore } from '#store/reconciliations';
import type { DocumentDeps } from '../admin/ports.ts';
import type { RecordDeps } from '../records/ports.ts';

/** Starts the order-to-cash workflow of an order; starting it again is a no-op. */
export interface OrderFlow {
  start(orderId: string): Promise<void>;
  /** Stops the order's flow and starts its compensation (the ERP side of a cancellation); both once. */
  cancel(orderId: string, reason: string): Promise<void>;
}

/**
 * An order on credit hold waits in its flow for finance (`.waitForTaskToken`); the token is kept
 * here until someone answers.
 */
export interface CreditHolds {
  keep(orderId: string, taskToken: string): Promise<void>;
  waiting(orderId: string): Promise<string | undefined>;
  /**
   * Answers the waiting flow, noting who did (the order's execution timeline shows it);
   * 'gone' when the flow no longer waits on that token.
   */
  answer(taskToken: string, released: boolean, by: TaskCallbackRecord): Promise<'delivered' | 'gone'>;
}

export type OrderDeps = RecordDeps & { flow?: OrderFlow; holds?: CreditHolds };

/** Where invoices are emailed from, and the outbox each is recorded in before it is sent. */
export interface Billing {
  email: EmailSender;
  /** For SMS payment reminders; without it an SMS level is noted as not sent. */
  sms?: SmsSender;
  outbox: Outbox;
  /** Who the invoices say they are from. */
  seller: string;
}

/** The workflow's tasks: the records, the ERP, invoices and reminders by email and SMS, the dunning policies. */
export type OrderFlowDeps = RecordDeps &
  Partial<Pick<DocumentDeps, 'versions'>> & { erp: ErpGateway; billing?: Billing; holds?: CreditHolds };

/** What each order-to-cash task hands the next. */
export interface OrderFlowState {
  orderId: string;
  /** Seconds until the next look at the ERP for shipments or at the ledger for payment. */
  pollSeconds: number;
  creditHold?: boolean;
  salesOrder?: string;
  fullyShipped?: boolean;
  paid?: boolean;
  /** The ledger's paid total at the last look, to tell news from silence. */
  lastPaid?: number;
}

/** Reconciliation runs as the API starts and reads them. */
export type ReconciliationDeps = Pick<RecordDeps, 'newId' | 'now'> & {
  runs: Pick<ReconciliationStore, 'open' | 'get' | 'list'>;
  /** Starts the order-reconciliation workflow for a run opened already. */
  startRun(runId: string, input: Record<string, unknown>): Promise<unknown>;
};
