/**
 * Every HTTP route, declared once. The CDK stack creates API Gateway routes and functions from
 * this table, the local hub routes requests with it, handlers check roles against it, and the
 * OpenAPI document is generated from it — so none of them can disagree.
 *
 * Every handler loads this table at cold start, so it holds metadata only; the schemas that
 * document each route are attached by functions/api/route-docs.ts, which only the OpenAPI
 * document loads. `handler` names a file under functions/ without `.handler.ts`; each distinct
 * handler is one Lambda function.
 */
import type { Role } from '#schemas/common';
import type { WorkflowAccess } from '#workflows/registry.ts';
import { ADMIN_CATALOGUE, type AdminKindEntry, type AdminKindName } from './admin/domain/admin-catalogue.ts';
import {
  RECORD_CATALOGUE,
  type RecordTypeEntry,
  type RecordTypeName,
} from './records/domain/record-catalogue.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';

/** What a route does, for its documentation: one schema recipe per operation. */
export type Operation =
  | 'create-record'
  | 'list-records'
  | 'get-record'
  | 'update-record'
  | 'archive-record'
  | 'restore-record'
  | 'record-history'
  | 'list-documents'
  | 'create-document'
  | 'get-document'
  | 'list-versions'
  | 'add-version'
  | 'get-version'
  | 'activate-version'
  | 'document-history'
  | 'simulate-approval'
  | 'submit-quote'
  | 'recall-quote'
  | 'get-approval'
  | 'simulate-sla'
  | 'ticket-reply'
  | 'survey-page'
  | 'answer-survey'
  | 'approval-page'
  | 'decide-approval'
  | 'list-executions'
  | 'get-execution'
  | 'submit-lead-form'
  | 'lead-form-preflight'
  | 'simulate-lead-routing'
  | 'log-lead-contact'
  | 'order-from-quote'
  | 'record-shipment'
  | 'issue-invoice'
  | 'issue-credit-note'
  | 'record-payment'
  | 'cancel-order'
  | 'decide-credit-hold'
  | 'hold-dunning'
  | 'start-reconciliation'
  | 'list-reconciliations'
  | 'get-reconciliation'
  | 'simulate-dunning'
  | 'list-dead-letters'
  | 'get-dead-letter'
  | 'replay-dead-letter'
  | 'discard-dead-letter'
  | 'list-events'
  | 'list-webhook-endpoints'
  | 'create-webhook-endpoint'
  | 'get-webhook-endpoint'
  | 'update-webhook-endpoint'
  | 'delete-webhook-endpoint'
  | 'get-webhook-secret'
  | 'rotate-webhook-secret'
  | 'list-webhook-attempts'
  | 'list-webhook-deliveries'
  | 'replay-webhook-delivery'
  | 'replay-webhook-deliveries'
  | 'receive-inbound-webhook'
  | 'set-inbound-secret'
  | 'list-inbound-webhooks'
  | 'get-inbound-webhook'
  | 'replay-inbound-webhook'
  | 'me'
  | 'openapi';

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/** What anonymous callers of one public route may spend: far below the stage's 100/s. */
export const PUBLIC_THROTTLE: Throttle = { rateLimit: 10, burstLimit: 20 };

/** A route's own throttle: its declared one, the public default for public routes, else none. */
export const throttleOf = (route: Pick<Route, 'access' | 'throttle'>): Throttle | undefined =>
  route.throttle ?? (route.access === 'public' ? PUBLIC_THROTTLE : undefined);

export interface Route {
  method: HttpMethod;
  /** API Gateway route path, e.g. /v1/accounts/{id}. */
  path: string;
  handler: string;
  access: readonly Role[] | 'public';
  /**
   * Why a public route needs no credentials, and what guards it instead; required with
   * `access: 'public'` (the CDK stack states it as the route's cdk-nag acknowledgement).
   */
  publicBecause?: string;
  /**
   * The route's own throttle (steady requests per second, burst). Every public route has one
   * (PUBLIC_THROTTLE unless it says otherwise), so anonymous traffic spends its own budget and
   * cannot starve staff of the stage's.
   */
  throttle?: Throttle;
  operation: Operation;
  summary: string;
  description?: string;
  tag: string;
  /** Request headers the route honours (the infra grants the idempotency table by these). */
  headers?: readonly ('If-Match' | 'Idempotency-Key')[];
  /** The record type the route serves, for record routes. */
  recordType?: RecordTypeName;
  /** The admin document kind the route serves, for admin routes. */
  adminKind?: AdminKindName;
  /**
   * The workflows the handler drives, by name (`*`: every workflow in workflows/registry.ts), and
   * how: `{ 'quote-approval': ['start'] }`. The CDK stack grants exactly this to the handler's
   * function, with WORKFLOW_<NAME>_ARN (connectors/stepfunctions/client.ts).
   */
  workflows?: Readonly<Record<string, readonly WorkflowAccess[]>>;
}

export const routeKey = (route: Pick<Route, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** Ticket writes move the SLA clocks and start the ticket-sla workflow (functions/tickets/use-cases/ticket-lifecycle.ts). */
const startsSla = (type: RecordTypeEntry): Pick<Route, 'workflows'> =>
  type.name === 'ticket' ? { workflows: { 'ticket-sla': ['start'] } } : {};

/** A new order starts its order-to-cash flow (functions/orders/wiring.ts, orderLifecycle). */
const startsOrderFlow = (type: RecordTypeEntry): Pick<Route, 'workflows'> =>
  type.name === 'order' ? { workflows: { 'order-to-cash': ['start'] } } : {};

function recordRoutes(type: RecordTypeEntry): Route[] {
  const base = `/v1/${type.collection}`;
  const item = `${base}/{id}`;
  const label = type.label.toLowerCase();
  const read = { tag: `${type.label}s`, recordType: type.name, access: type.access.read };
  const write = { ...read, access: type.access.write };
  const routes: Route[] = [
    {
      ...write,
      method: 'POST',
      path: base,
      handler: 'records/create-record',
      operation: 'create-record',
      summary: `Create ${label}`,
      headers: ['Idempotency-Key'],
      ...startsSla(type),
      ...startsOrderFlow(type),
    },
    {
      ...read,
      method: 'GET',
      path: base,
      handler: 'records/list-records',
      operation: 'list-records',
      summary: `List ${label}s`,
      description: 'Newest first. Archived records are left out unless includeArchived=true.',
    },
    {
      ...read,
      method: 'GET',
      path: item,
      handler: 'records/get-record',
      operation: 'get-record',
      summary: `Get ${label}`,
    },
    {
      ...write,
      method: 'PATCH',
      path: item,
      handler: 'records/update-record',
      operation: 'update-record',
      summary: `Update ${label}`,
      description:
        'A JSON merge patch (RFC 7396): fields given replace, null removes. Send If-Match with the ETag to avoid lost updates.',
      headers: ['If-Match'],
      ...startsSla(type),
    },
    {
      ...write,
      method: 'DELETE',
      path: item,
      handler: 'records/archive-record',
      operation: 'archive-record',
      summary: `Archive ${label}`,
      description: 'Records are archived, never erased: the history stays.',
      headers: ['If-Match'],
    },
    {
      ...write,
      method: 'POST',
      path: `${item}/restore`,
      handler: 'records/archive-record',
      operation: 'restore-record',
      summary: `Restore ${label}`,
      headers: ['If-Match'],
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/history`,
      handler: 'records/record-history',
      operation: 'record-history',
      summary: `History of ${label}`,
      description:
        'Every change and event, newest first: who, what from what to what, when, through which channel.',
    },
  ];
  // A type nobody may write generically has its reads only (its flow's routes make its records).
  return type.access.write.length > 0 ? routes : routes.filter((r) => r.method === 'GET');
}

function adminRoutes(kind: AdminKindEntry): Route[] {
  const base = `/v1/admin/${kind.collection}`;
  const item = `${base}/{id}`;
  const label = kind.label.toLowerCase();
  const read = { tag: 'Admin', adminKind: kind.name, access: kind.access.read };
  const write = { ...read, access: kind.access.write };
  return [
    {
      ...read,
      method: 'GET',
      path: base,
      handler: 'admin/list-documents',
      operation: 'list-documents',
      summary: `List ${label} documents`,
    },
    {
      ...write,
      method: 'POST',
      path: base,
      handler: 'admin/create-document',
      operation: 'create-document',
      summary: `Create ${label}`,
      description: 'Creates the document with its first version; `activate: true` makes it active at once.',
      headers: ['Idempotency-Key'],
    },
    {
      ...read,
      method: 'GET',
      path: item,
      handler: 'admin/get-document',
      operation: 'get-document',
      summary: `Get ${label}`,
      description: 'The head (latest and active version numbers) with the active version’s content.',
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/versions`,
      handler: 'admin/list-versions',
      operation: 'list-versions',
      summary: `List versions of ${label}`,
    },
    {
      ...write,
      method: 'POST',
      path: `${item}/versions`,
      handler: 'admin/add-version',
      operation: 'add-version',
      summary: `Add a version of ${label}`,
      description:
        'Earlier versions stay unchanged; flows already running keep the version they started with.',
      headers: ['If-Match'],
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/versions/{version}`,
      handler: 'admin/get-version',
      operation: 'get-version',
      summary: `Get a version of ${label}`,
    },
    {
      ...write,
      method: 'POST',
      path: `${item}/activate`,
      handler: 'admin/activate-version',
      operation: 'activate-version',
      summary: `Activate a version of ${label}`,
      description: '`{"version": 3}` makes version 3 active; `{"version": null}` deactivates the document.',
      headers: ['If-Match'],
    },
    {
      ...read,
      method: 'GET',
      path: `${item}/history`,
      handler: 'admin/document-history',
      operation: 'document-history',
      summary: `History of ${label}`,
    },
  ];
}

const APPROVAL_LINK_GUARD =
  'opened from an email or SMS on a phone, without signing in: the link id itself (160 random bits, stored ' +
  'hashed, bound to one approver and step, expiring, single-use) is the credential, and the page shows the ' +
  'quote summary only to its holder';
const SURVEY_LINK_GUARD =
  'opened by a customer, who has no account: the link id itself (160 random bits, stored hashed, bound to ' +
  'one ticket, expiring, single-use) is the credential, and the page shows only that ticket’s subject';

/**
 * The pages an approval link opens. Public: the unguessable link id is the credential. GET and
 * HEAD only read, so link scanners and prefetchers decide nothing; only the page's POST, with
 * its one-time nonce, decides.
 */
function approvalLinkRoutes(): Route[] {
  const page = {
    path: '/approvals/{id}',
    handler: 'approvals/show-approval',
    operation: 'approval-page',
    access: 'public',
    publicBecause: APPROVAL_LINK_GUARD,
    tag: 'Approval links',
  } as const;
  return [
    {
      ...page,
      method: 'GET',
      summary: 'Approval confirm page',
      description:
        'The page an email or SMS link opens: the quote, why you are asked, and Approve / Reject buttons. Changes nothing.',
    },
    { ...page, method: 'HEAD', summary: 'Approval confirm page (headers only)' },
    {
      method: 'POST',
      path: '/approvals/{id}',
      handler: 'approvals/decide-approval',
      operation: 'decide-approval',
      access: 'public',
      publicBecause: `${APPROVAL_LINK_GUARD}; a decision also needs the page's one-time nonce`,
      tag: 'Approval links',
      // A decision that settles its step answers the step's task token.
      workflows: { 'quote-approval': ['callback'] },
      summary: 'Decide an approval request',
      description:
        'The confirm page’s form (or JSON): nonce, decision approve|reject, optional comment. Decides once; ' +
        'a form post is answered with a 303 to the outcome page.',
    },
  ];
}

/** Workflow executions, read from Step Functions: what ran, for which record, and how. */
function executionRoutes(): Route[] {
  const read = {
    handler: 'executions/list-executions',
    access: ['admin', 'manager'],
    tag: 'Workflows',
    // Lists, describes and reads the history of every workflow's executions.
    workflows: { '*': ['read'] },
  } as const;
  return [
    {
      ...read,
      method: 'GET',
      path: '/v1/executions',
      operation: 'list-executions',
      summary: 'List workflow executions',
      description:
        'Newest first, across every workflow or one (`workflow`), by `status`, or for one record ' +
        '(`record=quote:quo_01JD…`: the executions started for it).',
    },
    {
      ...read,
      method: 'GET',
      path: '/v1/executions/{id}',
      handler: 'executions/get-execution',
      operation: 'get-execution',
      summary: 'Get a workflow execution',
      description:
        'A readable timeline from the execution history: states entered and left with their input and output, ' +
        'task attempts and retries, errors, where a Catch sent them, waits, task-token callbacks and who answered ' +
        'them, durations, and the record the execution is for.',
    },
  ];
}

/**
 * Dead letters (docs/order-to-cash.md, "Faults"): executions that stopped for good, kept with the state they
 * failed in, replayed from it by an admin.
 */
function deadLetterRoutes(): Route[] {
  const base = '/v1/admin/dead-letters';
  const common = { access: ['admin'], tag: 'Workflows' } as const;
  return [
    {
      ...common,
      method: 'GET',
      path: base,
      handler: 'executions/dead-letters',
      operation: 'list-dead-letters',
      summary: 'List dead letters',
      description:
        'Executions that spent their retries or met an error no retry fixes, newest first; by `status` (open, ' +
        'replayed, discarded) and `workflow`.',
    },
    {
      ...common,
      method: 'GET',
      path: `${base}/{id}`,
      handler: 'executions/dead-letters',
      operation: 'get-dead-letter',
      summary: 'Get a dead letter',
      description:
        'The error, the state the flow failed in, the record it ran for, and every replay with who asked. The id is ' +
        'the failed execution’s (GET /v1/executions/{id} shows its timeline).',
    },
    {
      ...common,
      method: 'POST',
      path: `${base}/{id}/replay`,
      handler: 'executions/replay-dead-letter',
      operation: 'replay-dead-letter',
      workflows: { '*': ['start'] },
      summary: 'Replay a dead letter',
      description:
        'Starts the workflow again from the state it failed in, as a new execution tied to the same record; the ' +
        'flows’ steps are idempotent, so nothing done before is done twice. A replay that fails again is a dead ' +
        'letter of its own. 409 when the letter was discarded, or changed by someone else meanwhile.',
    },
    {
      ...common,
      method: 'POST',
      path: `${base}/{id}/discard`,
      handler: 'executions/discard-dead-letter',
      operation: 'discard-dead-letter',
      summary: 'Discard a dead letter',
      description: 'Dealt with otherwise (a reason is required); kept and listed as discarded.',
    },
  ];
}

/** Events and webhooks, out and in (docs/webhooks.md). */
function webhookRoutes(): Route[] {
  const manage = { access: ['admin', 'integration'], tag: 'Webhooks' } as const;
  const base = '/v1/webhooks/endpoints';
  const endpoint = `${base}/{id}`;
  return [
    {
      method: 'GET',
      path: '/v1/events',
      handler: 'events/list-events',
      operation: 'list-events',
      access: ['admin', 'manager', 'integration'],
      tag: 'Webhooks',
      summary: 'List recent events',
      description:
        'Every record change and business outcome of the last 30 days (at least), newest first: by `type` (exact, or ' +
        'a prefix such as `quote.*`), by `record` (type:id, the record’s whole event history), and `since`. The same ' +
        'events webhooks deliver, with the same ids.',
    },
    {
      ...manage,
      method: 'GET',
      path: base,
      handler: 'webhooks/manage',
      operation: 'list-webhook-endpoints',
      summary: 'List webhook endpoints',
      description: 'Admins see every endpoint; an integration key those it created.',
    },
    {
      ...manage,
      method: 'POST',
      path: base,
      handler: 'webhooks/manage',
      operation: 'create-webhook-endpoint',
      summary: 'Subscribe an endpoint to events',
      description:
        'The URL (https; private, loopback, link-local and metadata addresses are refused), the event types or patterns, ' +
        'a rate limit. Answers the endpoint and its `whsec_` signing secret, shown this once (GET …/secret shows it again).',
    },
    {
      ...manage,
      method: 'GET',
      path: endpoint,
      handler: 'webhooks/manage',
      operation: 'get-webhook-endpoint',
      summary: 'Get a webhook endpoint',
    },
    {
      ...manage,
      method: 'PATCH',
      path: endpoint,
      handler: 'webhooks/manage',
      operation: 'update-webhook-endpoint',
      headers: ['If-Match'],
      summary: 'Change a webhook endpoint',
      description:
        'Enabling a disabled endpoint clears why it was disabled; replay what failed meanwhile with …/replay.',
    },
    {
      ...manage,
      method: 'DELETE',
      path: endpoint,
      handler: 'webhooks/manage',
      operation: 'delete-webhook-endpoint',
      summary: 'Delete a webhook endpoint',
      description: 'Nothing more is sent to it; its history is kept.',
    },
    {
      ...manage,
      method: 'GET',
      path: `${endpoint}/secret`,
      handler: 'webhooks/manage',
      operation: 'get-webhook-secret',
      summary: 'Get the signing secret',
      description: 'The current secret, and older ones still signing during a rotation’s grace period.',
    },
    {
      ...manage,
      method: 'POST',
      path: `${endpoint}/secret/rotate`,
      handler: 'webhooks/manage',
      operation: 'rotate-webhook-secret',
      summary: 'Rotate the signing secret',
      description:
        'A new secret signs from now on; the old one also signs for `graceHours` (default 24), so both verify meanwhile.',
    },
    {
      ...manage,
      method: 'GET',
      path: `${endpoint}/attempts`,
      handler: 'webhooks/manage',
      operation: 'list-webhook-attempts',
      summary: 'List delivery attempts',
      description:
        'Every attempt, newest first: the HTTP status, latency, the answer’s first KB, the next attempt. `event` narrows to one event.',
    },
    {
      ...manage,
      method: 'GET',
      path: `${endpoint}/deliveries`,
      handler: 'webhooks/manage',
      operation: 'list-webhook-deliveries',
      summary: 'List deliveries by state',
      description: 'Failed ones by default; `status=pending` or `delivered` for the others.',
    },
    {
      ...manage,
      method: 'POST',
      path: `${endpoint}/deliveries/{eventId}/replay`,
      handler: 'webhooks/manage',
      operation: 'replay-webhook-delivery',
      summary: 'Send one event again',
      description:
        'Its delivery starts over with a fresh schedule, with the same webhook-id. Any kept event may be sent, even one the endpoint never had.',
    },
    {
      ...manage,
      method: 'POST',
      path: `${endpoint}/replay`,
      handler: 'webhooks/manage',
      operation: 'replay-webhook-deliveries',
      summary: 'Send what failed again',
      description:
        'Every delivery that failed since `since` (and before `until`, of `eventTypes` if given), up to 5,000 per call; `remaining` says there are more.',
    },
    {
      method: 'POST',
      path: '/v1/webhooks/inbound/{source}',
      handler: 'webhooks/receive-inbound',
      operation: 'receive-inbound-webhook',
      access: 'public',
      publicBecause:
        'called by other systems, which sign every request: the signature over the raw body (Standard Webhooks, ' +
        'Stripe, GitHub or HubSpot v3, per source) with a secret only they and Junction hold, within a timestamp ' +
        'window, is the credential; nothing is stored unless it verifies',
      // Providers send in bursts (a batch of events, retries after an outage): more than a web form,
      // still below the stage's 100/s so anonymous traffic cannot starve staff.
      throttle: { rateLimit: 50, burstLimit: 100 },
      tag: 'Webhooks',
      summary: 'Receive a webhook',
      description:
        'For sources configured as webhook-source admin documents. A verified request is stored raw and queued, and ' +
        'answered 202 at once (200 with `duplicate: true` for an event id seen in the last 8 days). A bad signature or ' +
        'timestamp is 401, an unknown source 404, a body over the source’s limit 413: nothing is stored.',
    },
    {
      method: 'PUT',
      path: '/v1/webhooks/sources/{source}/secret',
      handler: 'webhooks/manage',
      operation: 'set-inbound-secret',
      access: ['admin'],
      tag: 'Webhooks',
      summary: 'Set an inbound source’s secret',
      description:
        'Kept in SSM Parameter Store, never in the source document. The previous secret still verifies for `graceHours` (default 24).',
    },
    {
      method: 'GET',
      path: '/v1/webhooks/inbound-messages',
      handler: 'webhooks/manage',
      operation: 'list-inbound-webhooks',
      access: ['admin'],
      tag: 'Webhooks',
      summary: 'List inbound webhook messages',
      description:
        'By `status`: failed (the default — what the dead-letter queue holds), received, processed.',
    },
    {
      method: 'GET',
      path: '/v1/webhooks/inbound-messages/{id}',
      handler: 'webhooks/manage',
      operation: 'get-inbound-webhook',
      access: ['admin'],
      tag: 'Webhooks',
      summary: 'Get an inbound webhook message',
      description: 'The raw body as received, what processing it did or why it failed.',
    },
    {
      method: 'POST',
      path: '/v1/webhooks/inbound-messages/{id}/replay',
      handler: 'webhooks/manage',
      operation: 'replay-inbound-webhook',
      access: ['admin'],
      tag: 'Webhooks',
      summary: 'Process an inbound message again',
      description:
        'Queued again; what it drives takes duplicates once, so a message that half-worked completes.',
    },
  ];
}

/** Reconciliation runs: Junction's orders against the ERP's books (docs/order-to-cash.md). */
function reconciliationRoutes(): Route[] {
  const base = '/v1/admin/reconciliations';
  const common = { access: ['admin', 'finance'], tag: 'Orders' } as const;
  return [
    {
      ...common,
      method: 'POST',
      path: base,
      handler: 'orders/start-reconciliation',
      operation: 'start-reconciliation',
      workflows: { 'order-reconciliation': ['start'] },
      summary: 'Reconcile orders with the ERP now',
      description:
        'Starts a run (202): every order against its sales order, shipments and invoices in the ERP, and every ERP ' +
        'sales order against Junction. Drifts are reported; the safe ones fixed as the flow would. On AWS a run also ' +
        'starts daily.',
    },
    {
      ...common,
      method: 'GET',
      path: base,
      handler: 'orders/reconciliations',
      operation: 'list-reconciliations',
      summary: 'List reconciliation runs',
      description: 'Newest first, with their counts: orders checked, drifts found and fixed.',
    },
    {
      ...common,
      method: 'GET',
      path: `${base}/{id}`,
      handler: 'orders/reconciliations',
      operation: 'get-reconciliation',
      summary: 'Get a reconciliation run',
      description: 'Its status and every drift: what, where, and whether (and how) it was fixed.',
    },
  ];
}

/** A quote's approval run: submit, recall, and where it stands (docs/quote-approval.md). */
function quoteApprovalRoutes(): Route[] {
  const quote = RECORD_CATALOGUE.quote;
  const item = `/v1/${quote.collection}/{id}`;
  return [
    {
      method: 'POST',
      path: `${item}/submit`,
      handler: 'approvals/submit-quote',
      operation: 'submit-quote',
      access: quote.access.write,
      summary: 'Submit quote for approval',
      description:
        'Starts the approval the active policy asks for (the same plan the dry run shows): 202 with the run. ' +
        'A quote no step applies to is approved at once (200). The quote is read-only while pending.',
      tag: 'Quotes',
      headers: ['Idempotency-Key', 'If-Match'],
      workflows: { 'quote-approval': ['start'] },
    },
    {
      method: 'POST',
      path: `${item}/recall`,
      handler: 'approvals/recall-quote',
      operation: 'recall-quote',
      access: quote.access.write,
      summary: 'Recall quote from approval',
      description:
        'The submitter, a manager or an admin stops the approval: the quote is back in draft and open links stop working.',
      tag: 'Quotes',
      workflows: { 'quote-approval': ['stop'] },
    },
    {
      method: 'GET',
      path: `${item}/approval`,
      handler: 'approvals/get-approval',
      operation: 'get-approval',
      access: quote.access.read,
      summary: 'Approval of quote',
      description:
        'The current or latest approval run: steps, whom each asks and why, request states and decisions.',
      tag: 'Quotes',
    },
  ];
}

/**
 * Order-to-cash documents (docs/order-to-cash.md). Each changes an order's ledger, so only these
 * routes make them: the generic record routes of shipments, invoices and payments only read.
 */
function orderRoutes(): Route[] {
  const finance = ['admin', 'finance', 'integration'] as const;
  const common = { tag: 'Orders', headers: ['Idempotency-Key'] } as const;
  return [
    {
      ...common,
      method: 'POST',
      path: '/v1/quotes/{id}/order',
      handler: 'orders/order-from-quote',
      operation: 'order-from-quote',
      access: ['admin', 'manager', 'sales', 'finance'],
      workflows: { 'order-to-cash': ['start'] },
      summary: 'Make the order of an approved quote',
      description:
        'The customer accepted: the order takes the quote’s lines and prices, frozen, and the quote becomes accepted. ' +
        'One order per quote: asking again answers the first order (200).',
    },
    {
      method: 'POST',
      path: '/v1/orders/{id}/cancel',
      handler: 'orders/cancel-order',
      operation: 'cancel-order',
      access: ['admin', 'finance'],
      tag: 'Orders',
      workflows: { 'order-to-cash': ['stop'], 'order-cancellation': ['start'] },
      summary: 'Cancel an order',
      description:
        'Before anything has shipped or been billed: the order is cancelled, its flow stopped and the ERP sales order ' +
        'cancelled. After shipment, credit what is returned and refund what was paid instead (409). Asking again answers ' +
        'the cancelled order (200).',
    },
    {
      method: 'POST',
      path: '/v1/orders/{id}/credit-decision',
      handler: 'orders/decide-credit-hold',
      operation: 'decide-credit-hold',
      access: ['admin', 'finance'],
      tag: 'Orders',
      workflows: { 'order-to-cash': ['callback'] },
      summary: 'Release or refuse an order on credit hold',
      description:
        'Release: the order goes on to the ERP. Refuse (with a comment): the order is cancelled; nothing was sent to the ' +
        'ERP. The waiting flow is answered, and the order’s execution timeline shows who answered. The same decision ' +
        'again answers the order (200); the other decision, or an order not on hold, is a 409.',
    },
    {
      ...common,
      method: 'POST',
      path: '/v1/orders/{id}/shipments',
      handler: 'orders/record-shipment',
      operation: 'record-shipment',
      access: finance,
      summary: 'Record a shipment of an order',
      description:
        'Units shipped per order line (partial shipments allowed; never more than ordered). A report repeated with ' +
        'the same erpRef answers the first shipment (200).',
    },
    {
      ...common,
      method: 'POST',
      path: '/v1/orders/{id}/invoices',
      handler: 'orders/issue-invoice',
      operation: 'issue-invoice',
      access: finance,
      summary: 'Invoice an order',
      description:
        'Bills the given lines, one shipment (each once), or everything shipped and not yet billed. The amount comes ' +
        'from the order’s ledger; the due date from its payment terms.',
    },
    {
      ...common,
      method: 'POST',
      path: '/v1/invoices/{id}/credit-notes',
      handler: 'orders/issue-credit-note',
      operation: 'issue-credit-note',
      access: ['admin', 'finance'],
      summary: 'Credit units of an invoice',
      description: 'Never beyond what the invoice billed; the invoice’s outstanding falls by the credit.',
    },
    {
      method: 'POST',
      path: '/v1/invoices/{id}/dunning-hold',
      handler: 'orders/hold-dunning',
      operation: 'hold-dunning',
      access: ['admin', 'finance'],
      tag: 'Orders',
      summary: 'Hold or resume an invoice’s payment reminders',
      description:
        '`{"hold": true, "reason": …}` stops the reminders (a dispute, a payment plan); `{"hold": false}` resumes them. ' +
        'The account’s `dunningHold` holds every invoice of the account.',
    },
    {
      ...common,
      method: 'POST',
      path: '/v1/invoices/{id}/payments',
      handler: 'orders/record-payment',
      operation: 'record-payment',
      access: finance,
      summary: 'Record a payment or refund of an invoice',
      description:
        'A positive amount in the invoice’s currency. Over-payment is kept (a negative outstanding); a refund may not ' +
        'exceed what was paid. A notification repeated with the same externalId answers the first payment (200).',
    },
  ];
}

/**
 * The pages a satisfaction survey link opens. Public: the unguessable link id is the credential.
 * GET and HEAD only read, so link scanners record no rating; only the page's POST, with its
 * one-time nonce, does.
 */
function surveyRoutes(): Route[] {
  const page = {
    path: '/surveys/{id}',
    handler: 'tickets/show-survey',
    operation: 'survey-page',
    access: 'public',
    publicBecause: SURVEY_LINK_GUARD,
    tag: 'Survey links',
  } as const;
  return [
    {
      ...page,
      method: 'GET',
      summary: 'Satisfaction survey page',
      description: 'The page the survey email links to: the ticket and a 1–5 rating form. Changes nothing.',
    },
    { ...page, method: 'HEAD', summary: 'Satisfaction survey page (headers only)' },
    {
      method: 'POST',
      path: '/surveys/{id}',
      handler: 'tickets/answer-survey',
      operation: 'answer-survey',
      access: 'public',
      publicBecause: `${SURVEY_LINK_GUARD}; an answer also needs the page's one-time nonce`,
      tag: 'Survey links',
      summary: 'Answer a satisfaction survey',
      description:
        'The survey page’s form (or JSON): nonce, rating 1–5, optional comment. Answers once, before the link ' +
        'expires; a form post is answered with a 303 to the thank-you page.',
    },
  ];
}

export const ROUTES: readonly Route[] = [
  ...Object.values(RECORD_CATALOGUE).flatMap(recordRoutes).map(leadIntake),
  ...Object.values(ADMIN_CATALOGUE).flatMap(adminRoutes),
  ...quoteApprovalRoutes(),
  ...orderRoutes(),
  {
    method: 'POST',
    path: '/v1/admin/approval-policies/simulate',
    handler: 'approvals/simulate-approval',
    operation: 'simulate-approval',
    access: ['admin', 'manager', 'sales'],
    summary: 'Dry-run quote approval',
    description:
      'Which policy applies to the quote and why, which steps it enters and why, and who exactly would be asked ' +
      '(delegates resolved, fallbacks named). Starts nothing and sends nothing.',
    tag: 'Admin',
  },
  ...approvalLinkRoutes(),
  ...executionRoutes(),
  ...deadLetterRoutes(),
  ...reconciliationRoutes(),
  ...webhookRoutes(),
  {
    method: 'POST',
    path: '/v1/admin/dunning-policies/simulate',
    handler: 'orders/simulate-dunning',
    operation: 'simulate-dunning',
    access: ['admin', 'manager', 'finance'],
    summary: 'Dry-run dunning for an invoice',
    description:
      'For an invoice (or its facts): the policy that applies and why, and each reminder — when it goes out in the ' +
      'policy’s business hours, by which channel, what it says and its fee — with what was sent already and why ' +
      'nothing more goes (paid, held). Starts nothing and sends nothing.',
    tag: 'Admin',
  },
  {
    method: 'POST',
    path: '/v1/admin/sla-policies/simulate',
    handler: 'tickets/simulate-sla',
    operation: 'simulate-sla',
    access: ['admin', 'manager', 'support'],
    summary: 'Dry-run a ticket SLA',
    description:
      'The policy a ticket gets and why, its first-response and resolution deadlines and every escalation ' +
      'time, from a creation time, in business hours. Starts nothing and sends nothing.',
    tag: 'Admin',
  },
  {
    method: 'POST',
    path: '/v1/tickets/{id}/replies',
    handler: 'tickets/reply-ticket',
    operation: 'ticket-reply',
    headers: ['Idempotency-Key'],
    access: RECORD_CATALOGUE.ticket.access.write,
    recordType: 'ticket',
    workflows: { 'ticket-sla': ['start'] },
    summary: 'Reply on a ticket',
    description:
      "An agent's or the customer's reply. The first agent reply stops the first-response clock; " +
      '`waitForCustomer` pauses the SLA clocks until the customer replies; `resolve` stops the resolution ' +
      'clock and starts the auto-close period. A customer reply resumes the clocks and reopens a resolved ticket.',
    tag: 'Tickets',
  },
  ...surveyRoutes(),
  ...leadRoutes(),
  {
    method: 'GET',
    path: '/v1/me',
    handler: 'api/me',
    operation: 'me',
    access: ['admin', 'manager', 'sales', 'support', 'finance', 'integration'],
    summary: 'Who am I',
    tag: 'Meta',
  },
  {
    method: 'GET',
    path: '/openapi.json',
    handler: 'api/openapi',
    operation: 'openapi',
    access: 'public',
    publicBecause: 'the API description, built from the route table and schemas: it holds no data',
    summary: 'OpenAPI document',
    tag: 'Meta',
  },
];

const BY_KEY = new Map(ROUTES.map((route) => [routeKey(route), route]));

export const routeFor = (key: string): Route | undefined => BY_KEY.get(key);

/** Handler names in a stable order: one Lambda function each. */
export const HANDLERS: readonly string[] = [
  ...new Set(ROUTES.map((r) => r.handler)),
  'auth/authorizer',
  'api/not-found',
].sort();

/**
 * Leads arrive through intake — normalised, deduped, scored and routed before the answer — rather
 * than the generic create (docs/lead-routing.md).
 */
function leadIntake(route: Route): Route {
  if (route.recordType !== 'lead' || route.operation !== 'create-record') return route;
  return {
    ...route,
    handler: 'leads/create-lead',
    description:
      'Normalises the lead, merges it into an open lead with the same email or phone (200) or creates it (201), ' +
      'scores it and routes it by the active lead routing: the response names the owner and why. ' +
      '`Lead-Outcome` says created, merged or linked.',
    workflows: { 'lead-routing': ['start'] },
  };
}

/** Web forms, the routing dry run and contacts logged on a lead. */
function leadRoutes(): Route[] {
  const form = {
    path: '/v1/forms/{formId}',
    access: 'public',
    publicBecause:
      'web forms are posted by anonymous visitors; the form id must name an active form, browsers may post ' +
      'only from its listed origins, a filled honeypot creates nothing, and each client is rate limited. ' +
      'It reveals nothing: the answer is a receipt',
    tag: 'Lead forms',
  } as const;
  return [
    {
      ...form,
      method: 'POST',
      handler: 'leads/submit-form',
      operation: 'submit-lead-form',
      summary: 'Submit a web form',
      description:
        'Public: a lead form posted from a web page (form-urlencoded or JSON). Fields are mapped as the form says; ' +
        'a filled honeypot is answered like a success and creates nothing; each client IP may post a limited ' +
        'number of times per window (429 with Retry-After beyond). Browsers may post only from the allowed origins.',
      workflows: { 'lead-routing': ['start'] },
    },
    {
      ...form,
      method: 'OPTIONS',
      handler: 'leads/form-preflight',
      operation: 'lead-form-preflight',
      summary: 'CORS preflight for a web form',
      description: 'Allows a browser to post the form from the origins the form lists, and from no other.',
    },
    {
      method: 'POST',
      path: '/v1/admin/lead-routing/simulate',
      handler: 'leads/simulate-routing',
      operation: 'simulate-lead-routing',
      access: ['admin', 'manager', 'sales'],
      summary: 'Dry-run lead routing',
      description:
        'What would happen to a lead (given, or one that exists) if it arrived now: the duplicate it would join, ' +
        'its score and why, the rule that matches and why, every candidate rep and why they can or cannot take it, ' +
        'and who would get it. Writes nothing and takes no round-robin turn.',
      tag: 'Admin',
    },
    {
      method: 'POST',
      path: '/v1/leads/{id}/contacts',
      handler: 'leads/log-contact',
      operation: 'log-lead-contact',
      access: RECORD_CATALOGUE.lead.access.write,
      recordType: 'lead',
      summary: 'Log a contact with a lead',
      description:
        'A call, email, meeting or text with the lead: sets lastContactAt, moves a new lead to working, and ' +
        'stops its follow-up from moving it on.',
      tag: 'Leads',
    },
  ];
}
