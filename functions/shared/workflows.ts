/**
 * How a handler finds a workflow's state machine and talks to Step Functions. The ARN comes from
 * one environment variable per workflow, `WORKFLOW_<NAME>_ARN` (`quote-approval` →
 * `WORKFLOW_QUOTE_APPROVAL_ARN`): on AWS the CDK workflow construct sets it together with the
 * IAM grant, locally the hub sets it for every workflow it runs. The client follows
 * `AWS_ENDPOINT_URL_SFN`, so the same code reaches AWS or the local service.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionLinkStore, RecordKey } from '#store/execution-links';

export const workflowArnVariable = (name: string) =>
  `WORKFLOW_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_ARN`;

export function workflowArn(name: string): string {
  const variable = workflowArnVariable(name);
  const arn = process.env[variable];
  if (!arn) throw new Error(`${variable} is not set: this function was not granted the ${name} workflow`);
  return arn;
}

let client: SFNClient | undefined;
/** One client per process, created on first use so handlers that never start a flow pay nothing. */
export function stepFunctions(): SFNClient {
  client ??= new SFNClient({});
  return client;
}

/**
 * Every workflow this function was given, by name, read from its `WORKFLOW_<NAME>_ARN`
 * variables (workflow names are kebab-case, so the variable names them exactly).
 */
export function workflowArns(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const found = new Map<string, string>();
  for (const [variable, arn] of Object.entries(env)) {
    const match = /^WORKFLOW_([A-Z0-9_]+)_ARN$/.exec(variable);
    if (match?.[1] && arn) found.set(match[1].toLowerCase().replace(/_/g, '-'), arn);
  }
  return found;
}

/** A Standard execution's ARN, from its state machine's ARN and its name. */
export const executionArnOf = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/**
 * Starts a workflow, tied to the CRM record it runs for, so the executions API can list a
 * record's executions and show each one's record.
 * 1. Tie the execution's name to the record (before starting: a link to an execution that never
 *    started is skipped by readers, an execution without its link would be lost to its record).
 * 2. StartExecution. A retry with the same name and input is answered like the first start.
 * Name executions by something unique to the run (an approval run id, an order id): Step
 * Functions refuses a second execution of one name, and the link keeps the first record.
 */
export async function startWorkflow(
  links: ExecutionLinkStore,
  start: { workflow: string; name: string; input: unknown; record?: RecordKey },
  client: SFNClient = stepFunctions(),
): Promise<{ executionArn: string }> {
  const stateMachineArn = workflowArn(start.workflow);
  if (start.record)
    await links.link({
      workflow: start.workflow,
      name: start.name,
      executionArn: executionArnOf(stateMachineArn, start.name),
      record: start.record,
      startedAt: new Date().toISOString(),
    });
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, name: start.name, input: JSON.stringify(start.input) }),
  );
  return { executionArn: executionArn as string };
}
