/**
 * The workflows stack: one state machine per declaration in workflows/registry.ts, the Lambda
 * tasks they bind, and the inbound SMS topic with its handler.
 *
 * Apart from the API stack because executions outlive deployments: an approval can wait on a
 * task token for days, and redeploying or replacing the API must never touch the state machine
 * it runs on. Apart from the data stack because nothing here holds records. The order is data →
 * workflows → API: task functions read the tables, API functions read the state machine ARNs,
 * and nothing here refers to the API, so no reference can go round in a circle.
 */
import { existsSync } from 'node:fs';
import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WORKFLOWS, type WorkflowDeclaration } from '#workflows/registry.ts';
import { handlerEntry } from '../bundling.ts';
import { InboundSms } from '../constructs/inbound-sms.ts';
import {
  type GrantableTable,
  JunctionFunction,
  type MessagingSettings,
  pascalCase,
} from '../constructs/junction-function.ts';
import { JunctionWorkflow } from '../constructs/junction-workflow.ts';
import { messagingOf, nonRouteHandlers, recordsTableAccess, workflowGrantsOf } from '../handler-access.ts';

export interface WorkflowsStackProps extends StackProps {
  readonly records: GrantableTable;
  /** Sender domain and public URL for what the tasks send; see infra/junction-app.ts. */
  readonly messaging?: MessagingSettings;
  /** @default every workflow in workflows/registry.ts */
  readonly workflows?: readonly WorkflowDeclaration[];
  /**
   * Whether a handler file exists; the inbound SMS topic is created only once its handler does.
   * @default a look at functions/<handler>.handler.ts
   */
  readonly handlerExists?: (handler: string) => boolean;
}

const defaultHandlerExists = (handler: string) => {
  try {
    return existsSync(handlerEntry(handler));
  } catch {
    return false;
  }
};

/** The handler inbound SMS invokes, once its file exists. */
export function inboundSmsHandler(handlerExists = defaultHandlerExists): string | undefined {
  return nonRouteHandlers('inbound SMS').find(handlerExists);
}

/**
 * Whether the stack would hold anything: CloudFormation refuses a template without resources,
 * so the app leaves the stack out until the first workflow (or the SMS handler) exists.
 */
export function workflowsStackNeeded(
  workflows: readonly WorkflowDeclaration[] = WORKFLOWS,
  handlerExists = defaultHandlerExists,
): boolean {
  return workflows.length > 0 || inboundSmsHandler(handlerExists) !== undefined;
}

export class WorkflowsStack extends Stack {
  /** By workflow name. */
  readonly workflows: ReadonlyMap<string, JunctionWorkflow>;
  /** The Lambda tasks and event handlers built here, by handler name. */
  readonly functions: ReadonlyMap<string, JunctionFunction>;
  readonly inboundSms: InboundSms | undefined;

  constructor(scope: Construct, id: string, props: WorkflowsStackProps) {
    super(scope, id, props);
    const functions = new Map<string, JunctionFunction>();
    const unmetSettings = new Map<keyof MessagingSettings, string[]>();
    const functionFor = (handler: string) => {
      let fn = functions.get(handler);
      if (!fn) {
        fn = new JunctionFunction(this, pascalCase(handler), { handler });
        const access = recordsTableAccess(handler);
        if (access !== 'none') fn.useTable(props.records, access, 'TABLE_NAME');
        const messaging = messagingOf(handler);
        if (messaging)
          for (const setting of fn.useMessaging(props.messaging ?? {}, messaging))
            unmetSettings.set(setting, [...(unmetSettings.get(setting) ?? []), handler]);
        functions.set(handler, fn);
      }
      return fn;
    };

    const workflows = new Map<string, JunctionWorkflow>();
    for (const declaration of props.workflows ?? WORKFLOWS)
      workflows.set(
        declaration.name,
        new JunctionWorkflow(this, `${pascalCase(declaration.name)}Workflow`, {
          declaration,
          functionFor,
        }),
      );
    this.workflows = workflows;

    const smsHandler = inboundSmsHandler(props.handlerExists);
    this.inboundSms = smsHandler
      ? new InboundSms(this, 'InboundSms', { handler: functionFor(smsHandler) })
      : undefined;

    // Handlers built here that drive workflows (answering a task token from an SMS reply).
    for (const [handler, fn] of functions) {
      const { grants, unknown } = workflowGrantsOf(handler, [...workflows.keys()]);
      for (const [name, access] of grants) workflows.get(name)?.grantTo(fn, access);
      for (const warning of unknown) Annotations.of(fn).addWarningV2('junction:unknown-workflow', warning);
    }
    this.functions = functions;
    for (const [setting, handlers] of unmetSettings)
      Annotations.of(this).addWarningV2(
        'junction:messaging-setting',
        `Context "junction:${setting}" is not set: ${handlers.join(', ')} will fail at their first message ` +
          `(see docs/deploying.md, "Email, links and SMS")`,
      );

    for (const [name, workflow] of workflows)
      new CfnOutput(this, `${pascalCase(name)}StateMachineArn`, {
        value: workflow.stateMachine.stateMachineArn,
        description: `The ${name} workflow's state machine`,
      });
    if (this.inboundSms)
      new CfnOutput(this, 'InboundSmsTopicArn', {
        value: this.inboundSms.topic.topicArn,
        description: 'Set as the two-way SMS destination of the phone number approvers reply to',
      });
  }
}
