/**
 * How a handler finds a workflow's state machine and talks to Step Functions. The ARN comes from
 * one environment variable per workflow, `WORKFLOW_<NAME>_ARN` (`quote-approval` →
 * `WORKFLOW_QUOTE_APPROVAL_ARN`): on AWS the CDK workflow construct sets it together with the
 * IAM grant, locally the hub sets it for every workflow it runs. The client follows
 * `AWS_ENDPOINT_URL_SFN`, so the same code reaches AWS or the local service.
 */
import { SFNClient } from '@aws-sdk/client-sfn';

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
