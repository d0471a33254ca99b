/**
 * What each Lambda function may do, derived from the route table so that a new route gets the
 * right grant without anyone editing the stack:
 *   - a handler that serves only GET (and HEAD) routes reads; one that serves any other method writes;
 *   - a handler whose routes document `Idempotency-Key` gets the idempotency table;
 *   - a handler whose routes name `workflows` gets exactly that access to those state machines.
 * The few handlers the route table cannot describe are listed here with the reason.
 */
import { QUEUES, type QueueDesign } from '#functions/queues';
import { HANDLERS, ROUTES, type Route } from '#functions/routes';
import type { WorkflowAccess } from '#workflows/registry.ts';

/** How a function may use the records table. */
export type TableAccess = 'read' | 'readWrite';

/** Handlers that never touch the records table, so their roles carry no DynamoDB grant at all. */
const WITHOUT_TABLE: ReadonlyMap<string, string> = new Map([
  ['api/me', 'answers from the authorizer context alone'],
  ['api/openapi', 'builds the document from the route table and the schemas'],
  ['api/not-found', 'matches the path against the route table'],
]);

/** Handlers whose routes are not GET but which only read. */
const READ_ONLY: ReadonlyMap<string, string> = new Map([
  ['auth/authorizer', 'looks API keys and staff users up; serves no route'],
  ['approvals/simulate-approval', 'a dry run: POST only because the quote to simulate travels in the body'],
  ['tickets/simulate-sla', 'a dry run: POST only because the ticket to simulate travels in the body'],
  ['leads/simulate-routing', 'a dry run: POST only because the lead to route travels in the body'],
]);

/** Workflow access by workflow name; `*` stands for every declared workflow. */
export type WorkflowGrants = Readonly<Record<string, readonly WorkflowAccess[]>>;

/**
 * Who a handler writes to people as. Each sender is a mailbox on the deployment's email domain,
 * handed to the code in the variable its wiring reads (functions/<flow>/*-deps.ts); each link
 * base is the deployment's public URL, in the variable the flow builds its links from.
 */
export const SENDERS = {
  approvals: { variable: 'APPROVAL_EMAIL_FROM', mailbox: 'approvals' },
  leads: { variable: 'LEAD_EMAIL_FROM', mailbox: 'leads' },
  tickets: { variable: 'TICKET_EMAIL_FROM', mailbox: 'support' },
  orders: { variable: 'ORDER_EMAIL_FROM', mailbox: 'billing' },
  webhooks: { variable: 'WEBHOOK_EMAIL_FROM', mailbox: 'webhooks' },
} as const;
export const LINK_BASES = {
  approvals: 'APPROVAL_LINK_BASE_URL',
  tickets: 'TICKET_LINK_BASE_URL',
} as const;

export interface Messaging {
  /** Sends email through SES as this sender. */
  email?: keyof typeof SENDERS;
  /** Puts links to the public pages in what it sends. */
  links?: keyof typeof LINK_BASES;
  /** Texts phone numbers through SNS (and checks their opt-out first). */
  sms?: boolean;
  /** Calls the ERP (its URL, and its token from SSM Parameter Store). */
  erp?: boolean;
}

interface NonRouteHandler {
  /** What invokes it. */
  invokedBy: 'workflow task' | 'inbound SMS' | 'queue' | 'table stream' | 'schedule';
  table: TableAccess | 'none';
  workflows?: WorkflowGrants;
  messaging?: Messaging;
  reason: string;
}

/**
 * Handlers no route serves: the Lambda tasks workflows bind (workflows/registry.ts) and the
 * handlers events invoke. Nothing about them says whether they read or write, so each is
 * declared here, and a workflow binding a handler missing from this list fails synthesis.
 */
const NON_ROUTE_HANDLERS: ReadonlyMap<string, NonRouteHandler> = new Map<string, NonRouteHandler>([
  [
    'approvals/load-step',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      reason: 'opens the next step the quote enters: its status, opening time and timeout timer on the step',
    },
  ],
  [
    'approvals/request-decisions',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { email: 'approvals', links: 'approvals', sms: true },
      // A step every approver had already decided is settled at once, with the token just issued.
      workflows: { 'quote-approval': ['callback'] },
      reason:
        'stores one decision request per approver (link id, nonce, reply code) with the step’s task token',
    },
  ],
  [
    'approvals/handle-timeout',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { email: 'approvals', links: 'approvals', sms: true },
      reason: 'records the timeout action taken (reminder, escalation, automatic decision) on the step',
    },
  ],
  [
    'approvals/finish-approval',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      // Emails the submitter the outcome; its wiring is the flow's, which reads the link base too.
      messaging: { email: 'approvals', links: 'approvals' },
      reason: 'sets the quote’s approval outcome and writes its audit entry',
    },
  ],
  [
    'tickets/check-sla',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { email: 'tickets', links: 'tickets', sms: true },
      reason:
        'records the ticket’s SLA clocks, breaches and escalations sent, and the survey link it hands out, with audit entries',
    },
  ],
  [
    'leads/notify-owner',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { email: 'leads', sms: true },
      reason:
        'reads the lead and its owner, emails (and texts) the owner, and notes it in the lead’s history',
    },
  ],
  [
    'leads/check-follow-up',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      reason:
        'reads the lead and its routing version, and reassigns or escalates an untouched lead with its audit entry',
    },
  ],
  [
    'orders/credit-check',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { erp: true },
      reason:
        'reads the customer’s credit in the ERP and puts an order over its limit on hold, with its audit entry',
    },
  ],
  [
    'orders/ask-credit-release',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      // The flow's tasks share one wiring (the ERP among it); this task only reads its URL.
      messaging: { erp: true, email: 'orders' },
      workflows: { 'order-to-cash': ['callback'] },
      reason:
        'keeps the credit hold’s task token beside the order, emails finance once per round, and answers a hold decided before it waited',
    },
  ],
  [
    'orders/sync-sales-order',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { erp: true },
      reason: 'creates the order’s sales order in the ERP and confirms the order with its name',
    },
  ],
  [
    'orders/sync-shipments',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { erp: true, email: 'orders' },
      reason:
        'records the shipments the ERP reports and their invoices, in Junction and in the ERP, and emails the invoices',
    },
  ],
  [
    'orders/compensate-order',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { erp: true },
      reason: 'cancels a cancelled order’s sales order in the ERP and notes it on the order',
    },
  ],
  [
    'orders/check-paid',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { erp: true, email: 'orders', sms: true },
      reason:
        'books the order’s payments and refunds in the ERP, sends the payment reminders due (email, SMS) and closes an order that is billed and paid',
    },
  ],
  [
    'orders/reconcile',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      messaging: { erp: true, email: 'orders', sms: true },
      reason:
        'compares orders with the ERP’s books page by page, writes the run’s report, and makes the fixes the flow would (a sales order noted, a shipment recorded and invoiced, a cancelled order’s sales order cancelled)',
    },
  ],
  [
    'executions/record-dead-letter',
    {
      invokedBy: 'workflow task',
      table: 'readWrite',
      reason: 'keeps a failed execution’s state, error and record as a dead letter an admin can replay',
    },
  ],
  [
    'events/record-stream',
    {
      invokedBy: 'table stream',
      table: 'readWrite',
      reason: 'stores the events each new audit entry stands for, and queues them for the webhooks',
    },
  ],
  [
    'webhooks/fan-out',
    {
      invokedBy: 'queue',
      table: 'readWrite',
      reason: 'reads the enabled endpoints and creates one delivery per subscribed endpoint',
    },
  ],
  [
    'webhooks/deliver',
    {
      invokedBy: 'queue',
      table: 'readWrite',
      // Tells an endpoint's owner when its deliveries are spent or it is disabled.
      messaging: { email: 'webhooks' },
      reason: 'sends one attempt and records it: the attempt log, the delivery, the endpoint’s health',
    },
  ],
  [
    'webhooks/sweep',
    {
      invokedBy: 'schedule',
      table: 'readWrite',
      reason: 'moves the due time of deliveries it queues again, and notes inbound messages it queued again',
    },
  ],
  [
    'webhooks/process-inbound',
    {
      invokedBy: 'queue',
      table: 'readWrite',
      // A "lead" source feeds the lead intake, which starts the lead's follow-up flow.
      workflows: { 'lead-routing': ['start'] },
      reason:
        'processes a verified inbound message: a lead through the intake, a shipment or payment into the order ledger',
    },
  ],
  [
    'approvals/inbound-sms',
    {
      invokedBy: 'inbound SMS',
      table: 'readWrite',
      // Answers the phone: the decision taken, or why the reply was not understood.
      messaging: { sms: true },
      workflows: { 'quote-approval': ['callback'] },
      reason:
        'finds the decision request an SMS reply code names, records the decision once and answers the step’s task token',
    },
  ],
]);

/** The access a handler's function gets to the records table. */
export function recordsTableAccess(handler: string): TableAccess | 'none' {
  const nonRoute = NON_ROUTE_HANDLERS.get(handler);
  if (nonRoute && !HANDLERS.includes(handler)) return nonRoute.table;
  if (!HANDLERS.includes(handler))
    throw new Error(
      `"${handler}" serves no route and is not declared in NON_ROUTE_HANDLERS (infra/handler-access.ts): ` +
        'declare what invokes it and its table access there, with the reason',
    );
  if (WITHOUT_TABLE.has(handler)) return 'none';
  if (READ_ONLY.has(handler)) return 'read';
  const routes = ROUTES.filter((route) => route.handler === handler);
  if (routes.length === 0) {
    throw new Error(`"${handler}" serves no route: declare its table access in infra/handler-access.ts`);
  }
  // HEAD is GET without the body: neither changes anything.
  return routes.every((route) => route.method === 'GET' || route.method === 'HEAD') ? 'read' : 'readWrite';
}

/** What a handler sends, and as whom; undefined for one that sends nothing. */
export function messagingOf(handler: string): Messaging | undefined {
  return NON_ROUTE_HANDLERS.get(handler)?.messaging;
}

/**
 * Route handlers the events stack builds rather than the API stack: the events and webhooks
 * families live with their queues, and CloudFormation's 500 resources per stack keep the API
 * stack to the routes and the other families' functions.
 */
export const builtByEventsStack = (handler: string) =>
  HANDLERS.includes(handler) && (handler.startsWith('webhooks/') || handler.startsWith('events/'));

/** The queues a handler sends to (functions/queues.ts `producers`), each with the variable naming it. */
export function queuesSentBy(handler: string): QueueDesign[] {
  return Object.values(QUEUES).filter((queue) => (queue.producers as readonly string[]).includes(handler));
}

/**
 * Handlers that use the webhook signing secrets in SSM (under WEBHOOK_SECRET_PREFIX), and how:
 * reading to sign or verify, writing to create, rotate and delete.
 */
const SECRET_ACCESS: ReadonlyMap<string, 'read' | 'readWrite'> = new Map([
  ['webhooks/manage', 'readWrite'],
  ['webhooks/receive-inbound', 'read'],
  ['webhooks/deliver', 'read'],
] as const);

export function secretAccessOf(handler: string): 'read' | 'readWrite' | undefined {
  return SECRET_ACCESS.get(handler);
}

/** Whether a handler honours `Idempotency-Key` and so needs the idempotency table. */
export function usesIdempotencyTable(handler: string): boolean {
  return ROUTES.some((route) => route.handler === handler && route.headers?.includes('Idempotency-Key'));
}

/** Non-route handlers of one kind, e.g. the one inbound SMS invokes. */
export function nonRouteHandlers(invokedBy: NonRouteHandler['invokedBy']): string[] {
  return [...NON_ROUTE_HANDLERS].filter(([, entry]) => entry.invokedBy === invokedBy).map(([name]) => name);
}

/** What a handler's declarations grant: workflow name → access, and names no workflow carries. */
export interface HandlerWorkflowGrants {
  grants: Map<string, WorkflowAccess[]>;
  /** Declarations naming a workflow workflows/registry.ts does not declare (a typo, or a flow not landed yet). */
  unknown: string[];
}

/**
 * Which workflows a handler drives and how, from its routes' `workflows` or its declaration
 * above: workflow name → access. `*` expands to every workflow in `workflowNames`. A name that is
 * not among them is reported in `unknown`, for the stack to warn about: the handler is then
 * deployed without that access, and its `workflowArn()` call says so when reached.
 */
export function workflowGrantsOf(
  handler: string,
  workflowNames: readonly string[],
  routes: readonly Pick<Route, 'handler' | 'method' | 'path' | 'workflows'>[] = ROUTES,
  nonRoute: ReadonlyMap<string, Pick<NonRouteHandler, 'workflows'>> = NON_ROUTE_HANDLERS,
): HandlerWorkflowGrants {
  const declarations: [where: string, WorkflowGrants][] = [];
  for (const route of routes)
    if (route.handler === handler && route.workflows)
      declarations.push([`route ${route.method} ${route.path}`, route.workflows]);
  const declared = nonRoute.get(handler)?.workflows;
  if (declared) declarations.push([`handler ${handler} (infra/handler-access.ts)`, declared]);

  const grants = new Map<string, Set<WorkflowAccess>>();
  const unknown: string[] = [];
  for (const [where, byName] of declarations)
    for (const [name, access] of Object.entries(byName)) {
      if (name !== '*' && !workflowNames.includes(name)) {
        unknown.push(
          `The ${where} names workflow "${name}", which workflows/registry.ts does not declare ` +
            `(declared: ${workflowNames.join(', ') || 'none'}); no access to it is granted.`,
        );
        continue;
      }
      for (const workflow of name === '*' ? workflowNames : [name]) {
        const set = grants.get(workflow) ?? new Set<WorkflowAccess>();
        grants.set(workflow, set);
        for (const kind of access) set.add(kind);
      }
    }
  return { grants: new Map([...grants].map(([workflow, set]) => [workflow, [...set].sort()])), unknown };
}
