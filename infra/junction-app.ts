/**
 * The CDK app as a function, so tests synthesize exactly what `cdk synth` does (infra/app.ts
 * only calls it).
 */
import { App, type AppProps, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { MessagingSettings } from './constructs/junction-function.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { EventsStack } from './stacks/events-stack.ts';
import { WorkflowsStack, workflowsStackNeeded } from './stacks/workflows-stack.ts';

export interface JunctionApp {
  app: App;
  data: DataStack;
  /** Absent while there is no workflow (nor SMS handler) to deploy: CloudFormation refuses an empty stack. */
  workflows: WorkflowsStack | undefined;
  events: EventsStack;
  api: ApiStack;
}

/**
 * What the deployment sends from and links to, from CDK context (`-c junction:publicUrl=…` or the
 * `context` of cdk.json): values that differ per deployment and that no stack can know. A value
 * that is present but malformed stops synthesis; one that is absent is warned about by the stack
 * that needs it.
 */
export function messagingSettings(scope: Construct): MessagingSettings {
  const read = (key: string): string | undefined => {
    const value: unknown = scope.node.tryGetContext(`junction:${key}`);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`Context "junction:${key}" must be a string`);
    return value;
  };
  const publicUrl = read('publicUrl');
  if (publicUrl !== undefined) {
    const url = URL.canParse(publicUrl) ? new URL(publicUrl) : undefined;
    if (url?.protocol !== 'https:' || url.search || url.hash)
      throw new Error(
        `Context "junction:publicUrl" must be the https URL links start with (https://crm.example.com), not "${publicUrl}"`,
      );
  }
  const emailDomain = read('emailDomain');
  if (
    emailDomain !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(emailDomain)
  )
    throw new Error(
      `Context "junction:emailDomain" must be the domain verified in SES that email comes from (example.com), not "${emailDomain}"`,
    );
  const erpUrl = read('erpUrl');
  if (erpUrl !== undefined && !(URL.canParse(erpUrl) && new URL(erpUrl).protocol === 'https:'))
    throw new Error(`Context "junction:erpUrl" must be the https base URL of the ERP, not "${erpUrl}"`);
  const erpTokenParameter = read('erpTokenParameter');
  if (erpTokenParameter !== undefined && !/^\/[A-Za-z0-9_.\-/]+$/.test(erpTokenParameter))
    throw new Error(
      `Context "junction:erpTokenParameter" must be the name of an SSM SecureString parameter (/junction/erp-token), not "${erpTokenParameter}"`,
    );
  return {
    ...(publicUrl ? { publicUrl } : {}),
    ...(emailDomain ? { emailDomain } : {}),
    ...(erpUrl ? { erpUrl } : {}),
    ...(erpTokenParameter ? { erpTokenParameter } : {}),
  };
}

export function buildJunctionApp(props: AppProps = {}): JunctionApp {
  const app = new App(props);
  // Set by the CDK CLI from the current credentials. Without credentials the CLI still fills in
  // a fallback region, so an environment is used only when both are known; otherwise the stacks
  // stay environment-agnostic, which is all synthesis needs.
  const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
  const env: Environment | undefined = account && region ? { account, region } : undefined;

  // Stateful and stateless apart: the functions and the API can be redeployed, replaced or
  // deleted at will while the data stack, rarely touched, keeps the records. Its termination
  // protection matters: the API stack reads the tables through weak references
  // (Fn::GetStackOutput, cdk.json's recommended default), which would not block its deletion.
  const data = new DataStack(app, 'JunctionData', {
    env,
    description: 'Junction records and idempotency tables (retained on deletion)',
    terminationProtection: true,
  });
  // The state machines live apart from the API: an approval waiting for days must not be
  // touched by an API deployment. Task functions read the tables; API functions read the state
  // machine ARNs; nothing points back, so the references form a line, not a circle.
  const workflows = workflowsStackNeeded()
    ? new WorkflowsStack(app, 'JunctionWorkflows', {
        env,
        description: 'Junction workflows: Step Functions state machines, their Lambda tasks, inbound SMS',
        records: data.records,
        messaging: messagingSettings(app),
      })
    : undefined;
  workflows?.addStackDependency(data);
  // The stream, the queues and their consumers: events and webhooks, out and in.
  const events = new EventsStack(app, 'JunctionEvents', {
    env,
    description:
      'Junction events and webhooks: the table stream consumer, queues with dead-letter queues, their functions',
    records: data.records,
    messaging: messagingSettings(app),
    ...(workflows ? { workflows: workflows.workflows } : {}),
  });
  events.addStackDependency(data);
  if (workflows) events.addStackDependency(workflows);
  const api = new ApiStack(app, 'JunctionApi', {
    env,
    description: 'Junction HTTP API, Lambda functions and staff user pool',
    records: data.records,
    idempotency: data.idempotency,
    ...(workflows ? { workflows: workflows.workflows } : {}),
    queues: events.queues,
    routeFunctions: events.routeFunctions,
  });
  api.addStackDependency(data);
  api.addStackDependency(events);
  if (workflows) api.addStackDependency(workflows);

  Tags.of(app).add('application', 'junction');
  // Fails synthesis on any finding that is not acknowledged with a reason next to its resource.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, data, workflows, events, api };
}
