/**
 * One Step Functions state machine per workflow declaration (workflows/registry.ts): the
 * definition file exactly as written, each `${Placeholder}` bound to its Lambda function, and
 * the role allowed to invoke exactly those functions. Logs (level ALL, with execution data) go to
 * the workflow's own log group; X-Ray tracing is on.
 *
 * Functions that start, stop, read or answer the workflow get access through `grantTo`, which
 * sets WORKFLOW_<NAME>_ARN and the IAM permission together.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Grant, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
// Not part of cdk-nag's index; the version is pinned, and a test checks the acknowledgement still matches.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import { workflowArnVariable } from '#connectors/stepfunctions/client';
import {
  bindingProblems,
  definitionPath,
  type WorkflowAccess,
  type WorkflowDeclaration,
} from '#workflows/registry.ts';
import { PROJECT_ROOT } from '../bundling.ts';
import { pascalCase } from './junction-function.ts';

/** A function that can carry an environment variable (a JunctionFunction). */
export interface WorkflowClient extends IFunction {
  addEnvironment(key: string, value: string): unknown;
}

export interface JunctionWorkflowProps {
  readonly declaration: WorkflowDeclaration;
  /** The function a placeholder's binding names (`functions/<lambda>.handler.ts`); asked once per name. */
  readonly functionFor: (lambda: string) => IFunction;
  /**
   * Execution logs carry the events (not their data), kept a month for diagnosis.
   * @default one month
   */
  readonly logRetention?: RetentionDays;
}

export class WorkflowDefinitionError extends Error {
  override name = 'WorkflowDefinitionError';
}

export class JunctionWorkflow extends Construct {
  readonly declaration: WorkflowDeclaration;
  readonly stateMachine: StateMachine;
  /** `<stack>-<workflow>`. */
  readonly stateMachineName: string;
  readonly logGroup: LogGroup;
  /** The function each placeholder is bound to. */
  readonly bindings: ReadonlyMap<string, IFunction>;

  constructor(scope: Construct, id: string, props: JunctionWorkflowProps) {
    super(scope, id);
    const { declaration } = props;
    this.declaration = declaration;
    const file = definitionPath(declaration);
    const where = `workflow '${declaration.name}' (${relative(PROJECT_ROOT, file)})`;

    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new WorkflowDefinitionError(`Cannot read the ${where}: ${(error as Error).message}`);
    }
    // Synthesis stops here rather than deploying a definition CloudFormation would leave with a
    // literal `${Name}` in it, which Step Functions only rejects when the state is reached.
    const problems = bindingProblems(text, declaration.placeholders);
    if (problems.length)
      throw new WorkflowDefinitionError(`Cannot deploy the ${where}:\n  - ${problems.join('\n  - ')}`);

    const bindings = new Map<string, IFunction>();
    const byLambda = new Map<string, IFunction>();
    for (const [placeholder, binding] of Object.entries(declaration.placeholders)) {
      const fn = byLambda.get(binding.lambda) ?? props.functionFor(binding.lambda);
      byLambda.set(binding.lambda, fn);
      bindings.set(placeholder, fn);
    }
    this.bindings = bindings;

    // No physical name: a retained log group with a fixed name would block the next deployment
    // of the stack after a deletion.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A name of the stack's and the workflow's, rather than a generated one: executions are then
    // `execution:<stack>-<workflow>:<name>`, so grants on them name the pattern in plain text in
    // every stack (a cross-stack token there would differ before and after CDK resolves it), and
    // the console lists `JunctionWorkflows-quote-approval`. The price: a change that replaces the
    // state machine (its type) needs a new workflow name.
    this.stateMachineName = `${Stack.of(this).stackName}-${declaration.name}`;
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      comment: relative(PROJECT_ROOT, file),
      // The file as written, with CloudFormation's own substitution for the placeholders: the
      // template shows the definition as it reads in the repository.
      definitionBody: DefinitionBody.fromString(text),
      definitionSubstitutions: Object.fromEntries(
        [...bindings].map(([placeholder, fn]) => [placeholder, fn.functionArn]),
      ),
      stateMachineType: declaration.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      // Every event, without inputs and outputs: those carry task tokens and customer data, and a
      // task token answers the workflow. The execution history (IAM-guarded, read by the
      // executions API) still has them for diagnosis.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    // The bound functions and nothing else, unqualified: definitions call `$LATEST` through the
    // plain function ARN, so no `:*` (every version and alias) is needed.
    Grant.addToPrincipal({
      grantee: this.stateMachine,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [...byLambda.values()].map((fn) => fn.functionArn),
    });

    // A scheduled workflow (reconciliation): EventBridge starts an execution with the declared
    // input; the execution's generated name is the run's id.
    if (declaration.schedule)
      new Rule(this, 'Schedule', {
        description: `Starts the ${declaration.name} workflow (${declaration.schedule.expression})`,
        schedule: Schedule.expression(declaration.schedule.expression),
        targets: [
          new SfnStateMachine(this.stateMachine, {
            input: RuleTargetInput.fromObject(declaration.schedule.input),
            retryAttempts: 10,
          }),
        ],
      });

    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the statements Step Functions needs for its own logging and tracing have Resource "*": the ' +
        'CloudWatch Logs delivery actions (logs:CreateLogDelivery and the like) and X-Ray ' +
        '(xray:PutTraceSegments …) support no resource-level permissions. Lambda invocation names each bound function.',
    });
  }

  /**
   * A task of this workflow answering a token of it (an approval step already decided when its
   * requests go out). The state machine refers to the function, so the function cannot refer to
   * the state machine: no WORKFLOW_<NAME>_ARN (SendTask* needs only the token), and the permission
   * in a policy of its own, which the function does not wait for. Starting, stopping or reading
   * the workflow that invokes it would need the ARN, so it is refused.
   */
  private grantToOwnTask(fn: WorkflowClient, access: readonly WorkflowAccess[]): this {
    const refused = access.filter((kind) => kind !== 'callback');
    if (refused.length)
      throw new WorkflowDefinitionError(
        `${fn.node.path} is a task of the ${this.declaration.name} workflow and cannot be granted ` +
          `${refused.join(', ')} on it: the state machine refers to the function, so the function cannot ` +
          'refer back to the state machine. Only callback (answering a task token) is possible.',
      );
    if (!fn.role) throw new WorkflowDefinitionError(`${fn.node.path} has no role to grant callback to`);
    new Policy(this, `${pascalCase(fn.node.id)}AnswersTokens`, {
      roles: [fn.role],
      statements: [
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
    return this;
  }

  /** The ARN pattern of this workflow's executions (StopExecution, DescribeExecution take these). */
  private executionsArn(): string {
    const stack = Stack.of(this.stateMachine);
    return stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Lets `fn` do `access` with this workflow: sets WORKFLOW_<NAME>_ARN and grants exactly the
   * matching actions, on the state machine or on its executions.
   */
  grantTo(fn: WorkflowClient, access: readonly WorkflowAccess[]): this {
    if (access.length === 0) return this;
    if ([...this.bindings.values()].includes(fn)) return this.grantToOwnTask(fn, access);
    fn.addEnvironment(workflowArnVariable(this.declaration.name), this.stateMachine.stateMachineArn);
    const onMachine: string[] = [];
    const onExecutions: string[] = [];
    for (const kind of new Set(access)) {
      if (kind === 'start') {
        onMachine.push('states:StartExecution');
        if (this.declaration.type === 'EXPRESS') onMachine.push('states:StartSyncExecution');
      }
      if (kind === 'stop') onExecutions.push('states:StopExecution');
      if (kind === 'read') {
        onMachine.push('states:ListExecutions');
        onExecutions.push('states:DescribeExecution', 'states:GetExecutionHistory');
      }
      // The Service Authorization Reference lists no resource type for these, but IAM checks
      // them against the state machine that issued the token (that is the resource an
      // AccessDenied names), so they can be scoped to it.
      if (kind === 'callback')
        onMachine.push('states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat');
    }
    if (onMachine.length)
      Grant.addToPrincipal({
        grantee: fn,
        actions: onMachine,
        resourceArns: [this.stateMachine.stateMachineArn],
      });
    if (onExecutions.length) {
      const executions = this.executionsArn();
      Grant.addToPrincipal({ grantee: fn, actions: onExecutions, resourceArns: [executions] });
      if (fn.role)
        Validations.of(fn.role).acknowledge({
          // The finding names the resource as cdk-nag flattens it (`<AWS::Region>` and the like).
          id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(fn.role).resolve(executions))}]`,
          reason:
            `Executions of the ${this.declaration.name} workflow are named at start (one per quote, order …), so ` +
            'StopExecution / DescribeExecution / GetExecutionHistory can only be granted on the pattern ' +
            '"execution:<state machine>:*", which covers this state machine’s executions and no other.',
        });
    }
    return this;
  }
}
