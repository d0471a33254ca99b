/**
 * The business flows, declared once. Each is a definition file in this folder (JSONPath only,
 * `${Placeholders}` where an ARN goes) plus the bindings that fill its placeholders. The CDK
 * construct and the local Step Functions service both read these declarations, so a flow binds
 * to the same handlers on AWS and on one machine.
 *
 * Type: STANDARD for anything that waits on people or days (approvals, SLAs, dunning); EXPRESS
 * for short, high-volume flows that finish within five minutes and never wait on a task token.
 */
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type WorkflowType = 'STANDARD' | 'EXPRESS';

/** A placeholder that stands for the Lambda function built from `functions/<lambda>.handler.ts`. */
export interface LambdaBinding {
  lambda: string;
}

export type PlaceholderBinding = LambdaBinding;

export interface WorkflowDeclaration {
  /** The state machine's name (kebab-case); also names it in ARNs and in the console. */
  name: string;
  /** The definition file: absolute, or relative to this folder. */
  definitionFile: string;
  type: WorkflowType;
  /** `${Name}` in the definition → what it stands for. Every placeholder must be bound, and used. */
  placeholders: Readonly<Record<string, PlaceholderBinding>>;
  /**
   * On AWS, started on this EventBridge schedule (`rate(1 day)`, `cron(…)`) with `input`; the
   * local hub runs no schedules (start such a workflow on demand).
   */
  schedule?: { expression: string; input: Record<string, unknown> };
}

/**
 * What a function may do with a workflow. Routes declare it (`workflows` in functions/routes.ts),
 * other handlers in infra/handler-access.ts; the CDK workflow construct grants exactly that,
 * together with the WORKFLOW_<NAME>_ARN variable handlers read (connectors/stepfunctions/client.ts):
 *   start     StartExecution (and StartSyncExecution on an EXPRESS workflow)
 *   stop      StopExecution
 *   read      ListExecutions, DescribeExecution, GetExecutionHistory
 *   callback  SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat (the answer to a task token)
 */
export type WorkflowAccess = 'start' | 'stop' | 'read' | 'callback';

/** Real flows are added here as they are built (lead routing, quote approval, order-to-cash …). */
export const WORKFLOWS: readonly WorkflowDeclaration[] = [
  {
    // One execution per generation of a ticket's SLA schedule (`tkt_…-3`); sleeps for days.
    name: 'ticket-sla',
    definitionFile: 'ticket-sla.asl.json',
    type: 'STANDARD',
    placeholders: {
      CheckTicketSlaFunction: { lambda: 'tickets/check-sla' },
    },
  },
  {
    // One execution per approval run, named by the run id; waits on approvers for days.
    name: 'quote-approval',
    definitionFile: 'quote-approval.asl.json',
    type: 'STANDARD',
    placeholders: {
      LoadStepFunction: { lambda: 'approvals/load-step' },
      RequestDecisionsFunction: { lambda: 'approvals/request-decisions' },
      HandleTimeoutFunction: { lambda: 'approvals/handle-timeout' },
      FinishApprovalFunction: { lambda: 'approvals/finish-approval' },
    },
  },
  {
    // One execution per routed lead (`led_…-0`): tells the owner, waits out the follow-up
    // window, and moves an untouched lead on. Routing itself runs in the create path.
    name: 'lead-routing',
    definitionFile: 'lead-routing.asl.json',
    type: 'STANDARD',
    placeholders: {
      NotifyOwnerFunction: { lambda: 'leads/notify-owner' },
      CheckForContactFunction: { lambda: 'leads/check-follow-up' },
    },
  },
  {
    // One execution per order, named by the order id; follows it for weeks, to cash.
    name: 'order-to-cash',
    definitionFile: 'order-to-cash.asl.json',
    type: 'STANDARD',
    placeholders: {
      CreditCheckFunction: { lambda: 'orders/credit-check' },
      CreateSalesOrderFunction: { lambda: 'orders/sync-sales-order' },
      SyncShipmentsFunction: { lambda: 'orders/sync-shipments' },
      CheckPaidFunction: { lambda: 'orders/check-paid' },
      AskCreditReleaseFunction: { lambda: 'orders/ask-credit-release' },
      RecordDeadLetterFunction: { lambda: 'executions/record-dead-letter' },
    },
  },
  {
    // One execution per cancelled order (`ord_…-cancel`): undoes the ERP side, twice.
    name: 'order-cancellation',
    definitionFile: 'order-cancellation.asl.json',
    type: 'STANDARD',
    placeholders: {
      CompensateOrderFunction: { lambda: 'orders/compensate-order' },
      RecordDeadLetterFunction: { lambda: 'executions/record-dead-letter' },
    },
  },
  {
    // One execution per reconciliation run (`rec_…`, or the schedule's own name): pages through
    // the orders and the ERP's sales orders.
    name: 'order-reconciliation',
    definitionFile: 'order-reconciliation.asl.json',
    type: 'STANDARD',
    placeholders: {
      ReconcileFunction: { lambda: 'orders/reconcile' },
    },
    schedule: {
      expression: 'rate(1 day)',
      input: { by: { id: 'order-reconciliation', name: 'Scheduled reconciliation', kind: 'system' } },
    },
  },
];

export const WORKFLOWS_DIR = fileURLToPath(new URL('.', import.meta.url));

export function definitionPath(workflow: WorkflowDeclaration): string {
  return isAbsolute(workflow.definitionFile)
    ? workflow.definitionFile
    : join(WORKFLOWS_DIR, workflow.definitionFile);
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholder names a definition text uses, each once, in order of first use. */
export function placeholdersIn(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[1] as string))];
}

/**
 * What is wrong between a definition's placeholders and the bindings declared for them: a
 * binding without a handler, a binding the text never uses, a placeholder nothing binds. Empty
 * when they match. The local service and the CDK construct both refuse a workflow with problems,
 * so a typo on either side stops it before it runs anywhere.
 */
export function bindingProblems(text: string, placeholders: WorkflowDeclaration['placeholders']): string[] {
  const problems: string[] = [];
  const used = new Set(placeholdersIn(text));
  for (const [placeholder, binding] of Object.entries(placeholders)) {
    if (typeof binding?.lambda !== 'string' || !binding.lambda)
      problems.push(`placeholder \${${placeholder}} has no Lambda handler to bind to`);
    else if (!used.has(placeholder))
      problems.push(`placeholder \${${placeholder}} is bound but the definition never uses it`);
  }
  for (const placeholder of used)
    if (!Object.hasOwn(placeholders, placeholder))
      problems.push(`placeholder \${${placeholder}} is used in the definition but not bound in the registry`);
  return problems;
}

/**
 * Replaces each `${Name}` with its value. Values are inserted JSON-escaped, since placeholders
 * live inside JSON strings. Answers the names left without a value.
 */
export function substitutePlaceholders(
  text: string,
  values: Readonly<Record<string, string>>,
): { text: string; unbound: string[] } {
  const unbound = new Set<string>();
  const bound = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      unbound.add(name);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  return { text: bound, unbound: [...unbound] };
}
