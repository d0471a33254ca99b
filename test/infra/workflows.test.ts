/**
 * Workflows on AWS: the construct that turns a workflow declaration into a state machine (built
 * here in a bare stack from the test fixtures' declarations), the SMS reply topic, the grants
 * derived from the declarations, and — for the real app — one state machine per declared workflow.
 */
import { existsSync, readFileSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowArnVariable } from '#connectors/stepfunctions/client';
import { HANDLERS } from '#functions/routes';
import { definitionPath, WORKFLOWS, type WorkflowDeclaration } from '#workflows/registry.ts';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { InboundSms } from '../../infra/constructs/inbound-sms.ts';
import { JunctionFunction, pascalCase } from '../../infra/constructs/junction-function.ts';
import { JunctionWorkflow, WorkflowDefinitionError } from '../../infra/constructs/junction-workflow.ts';
import {
  LINK_BASES,
  messagingOf,
  recordsTableAccess,
  SENDERS,
  workflowGrantsOf,
} from '../../infra/handler-access.ts';
import { messagingSettings } from '../../infra/junction-app.ts';
import { fixture } from '../workflow/fixtures/workflows.ts';
import {
  actionsOf,
  type CfnResourceJson,
  DEPLOYMENT_CONTEXT,
  logicalIdOf,
  type PolicyStatementJson,
  type Synthesized,
  statementsOfRole,
  synthesize,
  variablesOf,
} from './support/synth.ts';

/** `fixtures/add` → test/workflow/fixtures/functions/add.handler.ts */
const fixtureEntry = (lambda: string) =>
  `${PROJECT_ROOT}test/workflow/fixtures/functions/${lambda.replace(/^fixtures\//, '')}.handler.ts`;

/** A stack without bundling (templates only), where fixture handlers become functions. */
function bareStack() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Flows');
  const functions = new Map<string, JunctionFunction>();
  const functionFor = (lambda: string) => {
    let fn = functions.get(lambda);
    if (!fn) {
      fn = new JunctionFunction(stack, pascalCase(lambda), { handler: lambda, entry: fixtureEntry(lambda) });
      functions.set(lambda, fn);
    }
    return fn;
  };
  const workflow = (declaration: WorkflowDeclaration) =>
    new JunctionWorkflow(stack, `${pascalCase(declaration.name)}Workflow`, { declaration, functionFor });
  const client = (name: string) =>
    new JunctionFunction(stack, name, { handler: 'fixtures/echo', entry: fixtureEntry('fixtures/echo') });
  return { app, stack, functions, functionFor, workflow, client };
}

/** What cdk-nag's AwsSolutions pack finds, with or without the acknowledgements. */
function nagFindings(root: IConstruct, ignoreAcknowledgements = false): string[] {
  const pack = new AwsSolutionsChecks();
  if (ignoreAcknowledgements) Object.assign(pack, { isAcknowledged: () => false });
  return pack
    .validateScope(root)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

const ref = (element: { node: { defaultChild?: unknown } }) => ({ Ref: logicalIdOf(element) });
const arnOf = (element: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [logicalIdOf(element), 'Arn'],
});

describe('the workflow construct', () => {
  const bare = bareStack();
  const fiveStates = bare.workflow(fixture('five-states', ['AddFunction']));
  const express = bare.workflow(fixture('express', ['AddFunction'], 'EXPRESS'));
  const parallel = bare.workflow(fixture('parallel', ['AddFunction', 'EchoFunction']));
  const callback = bare.workflow(fixture('callback', ['RequestApprovalFunction']));
  const starter = bare.client('Starter');
  const stopper = bare.client('Stopper');
  const reader = bare.client('Reader');
  const answerer = bare.client('Answerer');
  const expressStarter = bare.client('ExpressStarter');
  const bystander = bare.client('Bystander');
  fiveStates.grantTo(starter, ['start']);
  fiveStates.grantTo(stopper, ['stop']);
  fiveStates.grantTo(reader, ['read']);
  callback.grantTo(answerer, ['callback']);
  express.grantTo(expressStarter, ['start']);
  fiveStates.grantTo(bystander, []);

  let template: Template;
  let resources: Record<string, CfnResourceJson>;
  beforeAll(() => {
    template = Template.fromStack(bare.stack);
    resources = template.toJSON().Resources;
  });
  const machineOf = (workflow: JunctionWorkflow) =>
    resources[logicalIdOf(workflow.stateMachine)] as CfnResourceJson;
  const statementsOf = (fn: { role?: unknown }) => statementsOfRole(template, logicalIdOf(fn.role as Role));
  const ALL = [fiveStates, express, parallel, callback];

  it('creates one state machine per declaration, STANDARD or EXPRESS as declared', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', ALL.length);
    expect(machineOf(fiveStates).Properties?.StateMachineType).toBe('STANDARD');
    expect(machineOf(callback).Properties?.StateMachineType).toBe('STANDARD');
    expect(machineOf(express).Properties?.StateMachineType).toBe('EXPRESS');
  });

  it('logs every event, without its execution data (task tokens, customer data), to a log group of its own that expires them', () => {
    const groups = ALL.map((workflow) => {
      const logging = machineOf(workflow).Properties?.LoggingConfiguration as {
        Level: string;
        IncludeExecutionData: boolean;
        Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
      };
      expect(logging.Level).toBe('ALL');
      expect(logging.IncludeExecutionData).toBe(false);
      expect(logging.Destinations).toEqual([
        { CloudWatchLogsLogGroup: { LogGroupArn: arnOf(workflow.logGroup) } },
      ]);
      const group = resources[logicalIdOf(workflow.logGroup)];
      expect(group?.Properties?.RetentionInDays).toBe(30);
      return logicalIdOf(workflow.logGroup);
    });
    expect(new Set(groups).size).toBe(ALL.length);
  });

  it('traces every execution with X-Ray', () => {
    for (const workflow of ALL)
      expect(machineOf(workflow).Properties?.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('deploys the definition file as written and binds each placeholder to the function it names', () => {
    const properties = machineOf(parallel).Properties ?? {};
    expect(properties.DefinitionString).toBe(readFileSync(definitionPath(fixture('parallel')), 'utf8'));
    expect(properties.DefinitionSubstitutions).toEqual({
      AddFunction: arnOf(bare.functionFor('fixtures/add')),
      EchoFunction: arnOf(bare.functionFor('fixtures/echo')),
    });
    expect(machineOf(callback).Properties?.DefinitionSubstitutions).toEqual({
      RequestApprovalFunction: arnOf(bare.functionFor('fixtures/request-approval')),
    });
  });

  it('builds one function per handler, however many workflows and placeholders bind it', () => {
    expect([...bare.functions.keys()].sort()).toEqual([
      'fixtures/add',
      'fixtures/echo',
      'fixtures/request-approval',
    ]);
    expect(fiveStates.bindings.get('AddFunction')).toBe(express.bindings.get('AddFunction'));
  });

  it('lets each state machine invoke exactly the functions it binds, and nothing else', () => {
    for (const workflow of ALL) {
      const statements = statementsOf(workflow.stateMachine);
      const invoke = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('lambda:')));
      expect(invoke.map((s) => s.Action)).toEqual(['lambda:InvokeFunction']);
      const bound = [...new Set(workflow.bindings.values())].map(arnOf);
      const granted = invoke.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
      expect(granted).toHaveLength(bound.length);
      expect(granted).toEqual(expect.arrayContaining(bound));
      // The rest is Step Functions' own log delivery and X-Ray, which take no resource.
      for (const other of actionsOf(statements.filter((s) => !invoke.includes(s))))
        expect(other, workflow.declaration.name).toMatch(/^(logs|xray):/);
    }
  });

  describe('grantTo: the variable and the permission together', () => {
    const machine = () => ref(fiveStates.stateMachine);
    const executions = () => {
      const statement = statementsOf(stopper).find((s) => actionsOf([s]).includes('states:StopExecution'));
      return statement?.Resource;
    };
    const statesStatements = (fn: JunctionFunction) =>
      statementsOf(fn).filter((s) => actionsOf([s]).some((a) => a.startsWith('states:')));
    const variableOf = (fn: JunctionFunction, name: string) =>
      variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson)[workflowArnVariable(name)];

    it('start: WORKFLOW_<NAME>_ARN and StartExecution on that state machine only', () => {
      expect(variableOf(starter, 'five-states')).toEqual(machine());
      expect(statesStatements(starter)).toEqual([
        { Effect: 'Allow', Action: 'states:StartExecution', Resource: machine() },
      ]);
    });

    it('start on an EXPRESS workflow also allows the synchronous start', () => {
      expect(actionsOf(statesStatements(expressStarter)).sort()).toEqual([
        'states:StartExecution',
        'states:StartSyncExecution',
      ]);
    });

    it('stop: StopExecution on this state machine’s executions, found by its name', () => {
      expect(variableOf(stopper, 'five-states')).toEqual(machine());
      expect(actionsOf(statesStatements(stopper))).toEqual(['states:StopExecution']);
      const resource = JSON.stringify(executions());
      expect(machineOf(fiveStates).Properties?.StateMachineName).toBe('Flows-five-states');
      expect(resource).toMatch(/:execution:Flows-five-states:\*"\]\]\}$/);
    });

    it('read: ListExecutions on the state machine, Describe and history on its executions', () => {
      const statements = statesStatements(reader);
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'states:ListExecutions',
        Resource: machine(),
      });
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        Resource: executions(),
      });
      expect(statements).toHaveLength(2);
    });

    it('callback: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat on the state machine that issued the token', () => {
      expect(variableOf(answerer, 'callback')).toEqual(ref(callback.stateMachine));
      expect(statesStatements(answerer)).toEqual([
        {
          Effect: 'Allow',
          Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          Resource: ref(callback.stateMachine),
        },
      ]);
    });

    it('grants nothing, not even the variable, for an empty access list or to other functions', () => {
      for (const fn of [bystander, starter]) {
        const variables = Object.keys(variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson));
        expect(variables.filter((v) => v.startsWith('WORKFLOW_'))).toEqual(
          fn === starter ? [workflowArnVariable('five-states')] : [],
        );
      }
      expect(statesStatements(bystander)).toEqual([]);
      expect(actionsOf(statesStatements(starter))).toEqual(['states:StartExecution']);
    });
  });

  it('passes the AwsSolutions checks, each exception acknowledged where it arises', () => {
    expect(nagFindings(bare.app)).toEqual([]);
    const hidden = nagFindings(bare.app, true);
    // What the acknowledgements cover: log delivery and X-Ray on the state machine roles, the
    // execution pattern on the stopper's and reader's roles, the functions' runtime and X-Ray.
    expect(hidden).toContain(
      'AwsSolutions-IAM5[Resource::*] at Flows/FiveStatesWorkflow/StateMachine/Role/DefaultPolicy/Resource',
    );
    expect(hidden.filter((f) => f.includes(':execution:')).map((f) => f.split(' at ')[1])).toEqual([
      'Flows/StopperRole/DefaultPolicy/Resource',
      'Flows/ReaderRole/DefaultPolicy/Resource',
    ]);
  });

  it('grants a function in another stack (the API stack) through cross-stack references, acknowledged there', () => {
    const context = JSON.parse(readFileSync(`${PROJECT_ROOT}cdk.json`, 'utf8')).context;
    const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const flows = new Stack(app, 'Flows');
    const api = new Stack(app, 'Api');
    const workflow = new JunctionWorkflow(flows, 'Callback', {
      declaration: fixture('callback', ['RequestApprovalFunction']),
      functionFor: (lambda) =>
        new JunctionFunction(flows, 'Task', { handler: lambda, entry: fixtureEntry(lambda) }),
    });
    const caller = new JunctionFunction(api, 'Caller', {
      handler: 'fixtures/echo',
      entry: fixtureEntry('fixtures/echo'),
    });
    workflow.grantTo(caller, ['stop', 'read', 'callback']);
    expect(nagFindings(app)).toEqual([]);
    // Synthesis checks again once CDK has turned the references into outputs, as `cdk synth` does.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = app.synth();
    const template = assembly.getStackArtifact(api.artifactId).template as {
      Resources: Record<string, CfnResourceJson>;
    };
    const variables = variablesOf(template.Resources[logicalIdOf(caller)] as CfnResourceJson);
    expect(JSON.stringify(variables[workflowArnVariable('callback')])).toContain('Flows');
  });

  it('lets a task answer its own workflow’s tokens without a circular reference, and refuses more', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Own');
    let task: JunctionFunction | undefined;
    const workflow = new JunctionWorkflow(stack, 'Callback', {
      declaration: fixture('callback', ['RequestApprovalFunction']),
      functionFor: (lambda) => {
        task = new JunctionFunction(stack, 'Task', { handler: lambda, entry: fixtureEntry(lambda) });
        return task;
      },
    });
    const own = task as JunctionFunction;
    expect(() => workflow.grantTo(own, ['start'])).toThrow(/cannot be granted start on it/);
    workflow.grantTo(own, ['callback']);
    const template = Template.fromStack(stack); // throws on a circular reference
    const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
    expect(Object.keys(variablesOf(resources[logicalIdOf(own)] as CfnResourceJson))).not.toContain(
      workflowArnVariable('callback'),
    );
    const answers = statementsOfRole(template, logicalIdOf(own.role as Role)).filter((s) =>
      actionsOf([s]).some((a) => a.startsWith('states:')),
    );
    expect(answers).toEqual([
      {
        Effect: 'Allow',
        Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        Resource: ref(workflow.stateMachine),
      },
    ]);
    expect(nagFindings(app)).toEqual([]);
  });

  describe('refuses to synthesize a definition that does not match its bindings', () => {
    const attempt = (declaration: WorkflowDeclaration) => () => bareStack().workflow(declaration);

    it('names a placeholder nothing binds', () => {
      expect(attempt(fixture('unbound-placeholder'))).toThrow(WorkflowDefinitionError);
      expect(attempt(fixture('unbound-placeholder'))).toThrow(
        /workflow 'unbound-placeholder' \(test\/workflow\/fixtures\/unbound-placeholder\.asl\.json\):\n {2}- placeholder \$\{ScoreLeadFunction\} is used in the definition but not bound in the registry/,
      );
    });

    it('names a binding the definition never uses', () => {
      expect(attempt(fixture('choice', ['AddFunction']))).toThrow(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the message names the placeholder as written
        'placeholder ${AddFunction} is bound but the definition never uses it',
      );
    });

    it('names a definition file that is not there', () => {
      expect(attempt({ ...fixture('choice'), definitionFile: '/nowhere/missing.asl.json' })).toThrow(
        /Cannot read the workflow 'choice'.*ENOENT/,
      );
    });
  });
});

describe('the inbound SMS topic', () => {
  const bare = bareStack();
  const handler = bare.functionFor('fixtures/echo');
  const sms = new InboundSms(bare.stack, 'InboundSms', { handler });
  let template: Template;
  let resources: Record<string, CfnResourceJson>;
  beforeAll(() => {
    template = Template.fromStack(bare.stack);
    resources = template.toJSON().Resources;
  });
  const only = (type: string) => {
    const found = Object.values(template.findResources(type)) as CfnResourceJson[];
    expect(found, type).toHaveLength(1);
    return found[0] as CfnResourceJson;
  };

  it('encrypts the topic with a rotated key that End User Messaging SMS may use, and requires TLS', () => {
    expect(only('AWS::SNS::Topic').Properties?.KmsMasterKeyId).toEqual(arnOf(sms.key));
    expect(only('AWS::KMS::Key').Properties?.EnableKeyRotation).toBe(true);
    const keyPolicy = JSON.stringify(only('AWS::KMS::Key').Properties?.KeyPolicy);
    expect(keyPolicy).toContain('sms-voice.amazonaws.com');
    const topicPolicy = only('AWS::SNS::TopicPolicy').Properties?.PolicyDocument as {
      Statement: (PolicyStatementJson & { Principal?: unknown; Condition?: unknown })[];
    };
    expect(topicPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
    expect(JSON.stringify(topicPolicy)).toContain('"aws:SecureTransport":"false"');
  });

  it('delivers every message to the handler, and what fails for good to a dead-letter queue', () => {
    const subscription = only('AWS::SNS::Subscription').Properties ?? {};
    expect(subscription).toMatchObject({ Protocol: 'lambda', Endpoint: arnOf(handler) });
    expect(subscription.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(sms.deadLetters) });
    const invokeConfig = only('AWS::Lambda::EventInvokeConfig').Properties ?? {};
    expect(invokeConfig.MaximumRetryAttempts).toBe(2);
    expect(invokeConfig.DestinationConfig).toEqual({ OnFailure: { Destination: arnOf(sms.deadLetters) } });
    expect(resources[logicalIdOf(sms.deadLetters)]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('passes the AwsSolutions checks', () => {
    expect(nagFindings(bare.app)).toEqual([]);
  });
});

describe('which workflows a handler may drive', () => {
  const routes = [
    {
      handler: 'quotes/submit',
      method: 'POST',
      path: '/v1/quotes/{id}/submit',
      workflows: { approval: ['start'] },
    },
    {
      handler: 'quotes/submit',
      method: 'POST',
      path: '/v1/quotes/{id}/resubmit',
      workflows: { approval: ['stop', 'start'] },
    },
    { handler: 'executions/list', method: 'GET', path: '/v1/executions', workflows: { '*': ['read'] } },
    { handler: 'quotes/typo', method: 'POST', path: '/v1/typo', workflows: { aproval: ['start'] } },
    { handler: 'records/get', method: 'GET', path: '/v1/things/{id}' },
  ] as const;
  const grantsOf = (handler: string) =>
    workflowGrantsOf(handler, ['approval', 'order-to-cash'], routes, new Map());

  it('joins what every route of a handler declares, each access once', () => {
    expect(grantsOf('quotes/submit')).toEqual({
      grants: new Map([['approval', ['start', 'stop']]]),
      unknown: [],
    });
  });

  it('reads `*` as every declared workflow', () => {
    expect(grantsOf('executions/list').grants).toEqual(
      new Map([
        ['approval', ['read']],
        ['order-to-cash', ['read']],
      ]),
    );
  });

  it('grants nothing for a workflow the registry does not declare, and says where it was named', () => {
    const { grants, unknown } = grantsOf('quotes/typo');
    expect(grants.size).toBe(0);
    expect(unknown).toEqual([
      'The route POST /v1/typo names workflow "aproval", which workflows/registry.ts does not declare (declared: approval, order-to-cash); no access to it is granted.',
    ]);
  });

  it('grants nothing to a handler whose routes name no workflow', () => {
    expect(grantsOf('records/get')).toEqual({ grants: new Map(), unknown: [] });
  });
});

describe('the app', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize({ bundle: false });
  });
  afterAll(() => synthesized?.cleanUp());
  const workflowNames = WORKFLOWS.map((w) => w.name);
  const smsHandlerExists = existsSync(`${PROJECT_ROOT}functions/approvals/inbound-sms.handler.ts`);
  const workflowsStack = () => {
    const { workflows, workflowsTemplate } = synthesized;
    if (!workflows || !workflowsTemplate) throw new Error('the app has no workflows stack');
    return { stack: workflows, template: workflowsTemplate };
  };

  it('has a workflows stack exactly when there is something to deploy in it (CloudFormation refuses an empty one)', () => {
    expect(synthesized.workflows !== undefined).toBe(WORKFLOWS.length > 0 || smsHandlerExists);
    expect(synthesized.synthError).toBeUndefined();
  });

  it('has one state machine per workflow in the registry, all in the workflows stack', () => {
    synthesized.apiTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    synthesized.dataTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    if (WORKFLOWS.length === 0) return;
    const { stack, template } = workflowsStack();
    template.resourceCountIs('AWS::StepFunctions::StateMachine', WORKFLOWS.length);
    expect([...stack.workflows.keys()].sort()).toEqual([...workflowNames].sort());
    for (const declaration of WORKFLOWS) {
      const machine = stack.workflows.get(declaration.name)?.stateMachine as JunctionWorkflow['stateMachine'];
      const resource = template.toJSON().Resources[logicalIdOf(machine)] as CfnResourceJson;
      expect(resource.Properties?.StateMachineType, declaration.name).toBe(declaration.type);
    }
  });

  it('builds each Lambda task a workflow binds once, with the table access declared for it', () => {
    if (WORKFLOWS.length === 0) return;
    const { stack, template } = workflowsStack();
    const bound = new Set(WORKFLOWS.flatMap((w) => Object.values(w.placeholders).map((b) => b.lambda)));
    for (const handler of bound) {
      const fn = stack.functions.get(handler);
      expect(fn, handler).toBeDefined();
      const variables = variablesOf(
        template.toJSON().Resources[logicalIdOf(fn as JunctionFunction)] as CfnResourceJson,
      );
      expect(variables.TABLE_NAME !== undefined, handler).toBe(recordsTableAccess(handler) !== 'none');
    }
  });

  it('gives each task that writes to people its sender, its link base, SES as the mail domain only, and SMS only to phones', () => {
    if (WORKFLOWS.length === 0) return;
    const { stack, template } = workflowsStack();
    const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
    const senders = Object.values(SENDERS).map((sender) => sender.variable as string);
    const linkBases = Object.values(LINK_BASES) as string[];
    let checked = 0;
    for (const [handler, fn] of stack.functions) {
      const use = messagingOf(handler) ?? {};
      const variables = variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson);
      const statements = statementsOfRole(template, logicalIdOf(fn.role as Role));
      const ses = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('ses:')));
      const sns = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('sns:')));

      const expectedVariables = use.email
        ? { [SENDERS[use.email].variable]: `${SENDERS[use.email].mailbox}@mail.example.com` }
        : {};
      if (use.links) expectedVariables[LINK_BASES[use.links]] = 'https://crm.example.com';
      expect(
        Object.fromEntries(
          Object.entries(variables).filter(([name]) => [...senders, ...linkBases].includes(name)),
        ),
        handler,
      ).toEqual(expectedVariables);

      expect(ses.length, handler).toBe(use.email ? 1 : 0);
      if (use.email) {
        expect(ses[0]?.Action, handler).toBe('ses:SendEmail');
        expect(JSON.stringify(ses[0]?.Resource), handler).toMatch(/:ses:.*:identity\/mail\.example\.com"/);
      }
      if (use.sms) {
        expect(sns, handler).toEqual([
          expect.objectContaining({ Action: 'sns:Publish', NotResource: expect.anything() }),
          expect.objectContaining({ Action: 'sns:CheckIfPhoneNumberIsOptedOut', Resource: '*' }),
        ]);
        expect(JSON.stringify(sns[0])).toContain(':sns:*:*:*');
        expect(JSON.stringify(sns[0])).not.toContain('"Resource"');
      } else expect(sns, handler).toEqual([]);
      if (use.email || use.sms) checked++;
    }
    // The approval requests, reminders, outcomes, owner notices, SLA alerts and SMS replies.
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('gives each API function WORKFLOW_<NAME>_ARN and states: permissions exactly for what its routes declare', () => {
    for (const handler of HANDLERS) {
      const fn = synthesized.api.functions.get(handler) as JunctionFunction;
      const resources = synthesized.templateOf(fn).toJSON().Resources as Record<string, CfnResourceJson>;
      const { grants } = workflowGrantsOf(handler, workflowNames);
      const variables = Object.keys(variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson)).filter((v) =>
        /^WORKFLOW_.+_ARN$/.test(v),
      );
      expect(variables.sort(), handler).toEqual([...grants.keys()].map(workflowArnVariable).sort());
      const states = actionsOf(
        statementsOfRole(synthesized.templateOf(fn), logicalIdOf(fn.role as Role)),
      ).filter((a) => a.startsWith('states:'));
      expect(states.length > 0, handler).toBe(grants.size > 0);
    }
  });

  it('lets the executions API read every workflow’s executions, and nothing more', () => {
    const resources = synthesized.apiTemplate.toJSON().Resources as Record<string, CfnResourceJson>;
    for (const handler of ['executions/list-executions', 'executions/get-execution']) {
      const fn = synthesized.api.functions.get(handler) as JunctionFunction;
      const variables = Object.keys(variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson));
      expect(variables.filter((v) => /^WORKFLOW_.+_ARN$/.test(v)).sort(), handler).toEqual(
        workflowNames.map(workflowArnVariable).sort(),
      );
      const states = actionsOf(statementsOfRole(synthesized.apiTemplate, logicalIdOf(fn.role as Role)))
        .filter((a) => a.startsWith('states:'))
        .sort();
      expect([...new Set(states)], handler).toEqual([
        'states:DescribeExecution',
        'states:GetExecutionHistory',
        'states:ListExecutions',
      ]);
    }
  });

  it('creates the inbound SMS topic exactly when its handler exists, and subscribes the handler', () => {
    if (!smsHandlerExists) {
      expect(synthesized.workflows?.inboundSms).toBeUndefined();
      return;
    }
    const { stack, template } = workflowsStack();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    expect(stack.functions.has('approvals/inbound-sms')).toBe(true);
  });

  it('deploys data, then workflows, then the API, and the workflows stack refers to nothing in the API', () => {
    if (!synthesized.workflows) return;
    const { stack, template } = workflowsStack();
    expect(stack.dependencies).toContain(synthesized.data);
    expect(synthesized.api.dependencies).toEqual(expect.arrayContaining([synthesized.data, stack]));
    expect(JSON.stringify(template.toJSON())).not.toContain('JunctionApi');
  });

  it('get the ERP URL and the name of the SSM parameter with its token, and may read that parameter only', () => {
    if (!synthesized.workflows) return;
    const { template } = workflowsStack();
    const functions = template.findResources('AWS::Lambda::Function');
    const erpFunctions = Object.values(functions).filter(
      (f) =>
        (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables?.ERP_URL,
    );
    // Credit check and its hold, sales order, shipments, payments, the cancellation’s compensation,
    // and reconciliation.
    expect(erpFunctions).toHaveLength(7);
    for (const f of erpFunctions) {
      const variables = (f as { Properties: { Environment: { Variables: Record<string, unknown> } } })
        .Properties.Environment.Variables;
      expect(variables).toMatchObject({
        ERP_URL: 'https://erp.example.com',
        ERP_TOKEN_PARAMETER: '/junction/erp-token',
      });
      expect(JSON.stringify(variables)).not.toMatch(/token [^"]*:/);
    }
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('ssm:GetParameter');
    expect(text).toContain(':parameter/junction/erp-token');
    expect(text).not.toMatch(/"ssm:GetParameter"[^\]]*"Resource":"\*"/);
  });

  it('start the reconciliation daily, with the scheduled actor as its input', () => {
    if (!synthesized.workflows) return;
    const { template } = workflowsStack();
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: {
        ScheduleExpression: string;
        Targets: { Arn: unknown; Input: string; RetryPolicy?: unknown }[];
      };
    }[];
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 day)');
    expect(JSON.stringify(rule?.Properties.Targets[0]?.Arn)).toContain('OrderReconciliationWorkflow');
    expect(JSON.parse(String(rule?.Properties.Targets[0]?.Input))).toMatchObject({ by: { kind: 'system' } });
  });
});

describe('the deployment’s messaging settings', () => {
  const app = (context: Record<string, unknown>) => new App({ context });

  it('reads the public URL and the email domain from CDK context', () => {
    expect(messagingSettings(app(DEPLOYMENT_CONTEXT))).toEqual({
      publicUrl: 'https://crm.example.com/',
      emailDomain: 'mail.example.com',
      erpUrl: 'https://erp.example.com',
      erpTokenParameter: '/junction/erp-token',
    });
    expect(messagingSettings(app({}))).toEqual({});
  });

  it.each([
    ['junction:publicUrl', 'http://crm.example.com', /must be the https URL/],
    ['junction:publicUrl', 'crm.example.com', /must be the https URL/],
    ['junction:publicUrl', 'https://crm.example.com/?next=evil', /must be the https URL/],
    ['junction:emailDomain', 'approvals@example.com', /must be the domain verified in SES/],
    ['junction:emailDomain', 'example', /must be the domain verified in SES/],
    ['junction:emailDomain', 42, /must be a string/],
    ['junction:erpUrl', 'http://erp.example.com', /must be the https base URL/],
    ['junction:erpTokenParameter', 'token abc:def', /must be the name of an SSM SecureString parameter/],
  ])('refuses %s = %j', (key, value, message) => {
    expect(() => messagingSettings(app({ ...DEPLOYMENT_CONTEXT, [key]: value }))).toThrow(message);
  });

  it('synthesizes without them, warning which tasks will fail at their first message', () => {
    const bare = synthesize({ bundle: false, deployment: {} });
    try {
      if (!bare.workflows) return;
      const warnings = Annotations.fromStack(bare.workflows)
        .findWarning('*', Match.stringLikeRegexp('junction:'))
        .map((w) => String(w.entry.data));
      expect(warnings).toEqual([
        expect.stringMatching(
          /^Context "junction:emailDomain" is not set: .*approvals\/request-decisions.*leads\/notify-owner/,
        ),
        expect.stringMatching(/^Context "junction:publicUrl" is not set: .*tickets\/check-sla/),
        expect.stringMatching(/^Context "junction:erpUrl" is not set: .*orders\/sync-sales-order/),
        expect.stringMatching(/^Context "junction:erpTokenParameter" is not set: .*orders\/credit-check/),
      ]);
      expect(JSON.stringify(bare.workflowsTemplate?.toJSON())).not.toContain('ses:SendEmail');
    } finally {
      bare.cleanUp();
    }
  });
});
