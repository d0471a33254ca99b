/**
 * The Step Functions client every adapter here shares, and how a function finds its workflows'
 * state machines. The ARN comes from one environment variable per workflow,
 * `WORKFLOW_<NAME>_ARN` (`quote-approval` → `WORKFLOW_QUOTE_APPROVAL_ARN`): on AWS the CDK
 * workflow construct sets it together with the IAM grant, locally the hub sets it for every
 * workflow it runs. The client follows `AWS_ENDPOINT_URL_SFN`, so the same code reaches AWS or
 * the local service, and it is traced like every other AWS client.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from '#platform/observability';

export const workflowArnVariable = (name: string) =>
  `WORKFLOW_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_ARN`;

export function workflowArn(name: string): string {
  const variable = workflowArnVariable(name);
  const arn = process.env[variable];
  if (!arn) throw new Error(`${variable} is not set: this function was not granted the ${name} workflow`);
  return arn;
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

let client: SFNClient | undefined;
/** One traced client per process, created on first use so handlers that never call Step Functions pay nothing. */
export function stepFunctions(): SFNClient {
  client ??= tracer.captureAWSv3Client(new SFNClient({}));
  return client;
}
