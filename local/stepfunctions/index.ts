/**
 * The local Step Functions service: the workflow definitions, run unchanged by
 * aws-local-stepfunctions, behind the Step Functions API, with executions that survive a
 * restart (see docs/workflow-engine.md). One call starts it; `close()` stops it and leaves
 * running executions in the table for the next start to resume.
 *
 *   const sfn = await startStepFunctionsLocal({ port: 0, dynamodbEndpoint, tableName });
 *   process.env.AWS_ENDPOINT_URL_SFN = sfn.endpoint;
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from '#local/lambda';
import {
  bindingProblems,
  definitionPath,
  substitutePlaceholders,
  WORKFLOWS,
  type WorkflowDeclaration,
  type WorkflowType,
} from '#workflows/registry.ts';
import { stateMachineArn } from './arns.ts';
import { DefinitionError, loadDefinition } from './definition.ts';
import { type FunctionResolver, handlerFunctions, localFunctionArn } from './functions.ts';
import { startSfnHttpServer } from './http-server.ts';
import { type StateMachineEntry, StepFunctionsService } from './service.ts';
import { ExecutionStore, ExecutionWriter } from './store.ts';
import { captureLibraryTimeoutClass } from './task-errors.ts';
import { timeScaleFrom } from './timers.ts';

export { stateMachineArn } from './arns.ts';
export { DefinitionError } from './definition.ts';
export type { FunctionResolver, LambdaFunction } from './functions.ts';
export { localFunctionArn } from './functions.ts';

export interface StepFunctionsLocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** DynamoDB (Local) to keep executions in: an endpoint, or a client to share. */
  dynamodbEndpoint?: string;
  dynamodbClient?: DynamoDBClient;
  /** Created if missing. */
  tableName?: string;
  /** How much faster declared time passes (3600: an hour a second). Default: JUNCTION_TIME_SCALE, else 1. */
  timeScale?: number;
  /** Default: every workflow in workflows/registry.ts. */
  workflows?: readonly WorkflowDeclaration[];
  /** Finds the function behind a Lambda ARN. Default: the handlers the workflows bind, in-process. */
  resolveFunction?: FunctionResolver;
  /** Deadline for one in-process Lambda invocation with the default resolver. */
  lambdaTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface StepFunctionsLocal {
  /** For AWS_ENDPOINT_URL_SFN. */
  endpoint: string;
  port: number;
  tableName: string;
  timeScale: number;
  stateMachines: { name: string; arn: string; type: WorkflowType }[];
  /** Executions found running in the table and resumed at start. */
  recovered: number;
  close(): Promise<void>;
}

export const DEFAULT_TABLE_NAME = 'junction-stepfunctions';

export async function startStepFunctionsLocal(
  options: StepFunctionsLocalOptions = {},
): Promise<StepFunctionsLocal> {
  const log = options.log ?? (() => {});
  const workflows = options.workflows ?? WORKFLOWS;
  const timeScale = options.timeScale ?? timeScaleFrom(process.env.JUNCTION_TIME_SCALE);
  const resolveFunction =
    options.resolveFunction ?? handlerFunctions(workflows, options.lambdaTimeoutMs ?? 60_000);
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  await captureLibraryTimeoutClass();

  const stateMachines = loadWorkflows(workflows, resolveFunction, timeScale);

  if (!options.dynamodbClient && !options.dynamodbEndpoint)
    throw new Error('startStepFunctionsLocal needs dynamodbEndpoint or dynamodbClient to keep executions in');
  const ownClient = options.dynamodbClient
    ? undefined
    : new DynamoDBClient({
        endpoint: options.dynamodbEndpoint,
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
  const client = options.dynamodbClient ?? (ownClient as DynamoDBClient);
  try {
    const store = new ExecutionStore(client, tableName);
    await store.ensureTable();
    for (const machine of stateMachines)
      await store.putDefinition(machine.name, machine.definition.hash, machine.definition.text);
    const writer = new ExecutionWriter(store, log);
    const service = new StepFunctionsService({
      stateMachines,
      store,
      writer,
      resolveFunction,
      timeScale,
      log,
    });
    const recovered = await service.recover();
    if (recovered) log(`Resumed ${recovered} running execution(s) from ${tableName}.`);
    const server = await startSfnHttpServer({
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      operations: service.operations,
      log,
    });
    return {
      endpoint: server.endpoint,
      port: server.port,
      tableName,
      timeScale,
      stateMachines: stateMachines.map(({ name, arn, type }) => ({ name, arn, type })),
      recovered,
      async close() {
        await server.close();
        await service.close();
        ownClient?.destroy();
      },
    };
  } catch (error) {
    ownClient?.destroy();
    throw error;
  }
}

/**
 * Reads and binds every workflow, reporting the problems of all of them at once: a definition
 * that cannot run locally stops the service at start, never half-way through an execution.
 */
export function loadWorkflows(
  workflows: readonly WorkflowDeclaration[],
  resolveFunction: FunctionResolver,
  timeScale: number,
): StateMachineEntry[] {
  const problems: string[] = [];
  const entries: StateMachineEntry[] = [];
  const names = new Set<string>();
  for (const workflow of workflows) {
    try {
      if (names.has(workflow.name)) throw new DefinitionError(workflow.name, ['the name is declared twice']);
      names.add(workflow.name);
      const text = bindWorkflow(workflow);
      entries.push({
        name: workflow.name,
        arn: stateMachineArn(workflow.name),
        type: workflow.type,
        definition: loadDefinition(text, {
          name: workflow.name,
          type: workflow.type,
          resolveFunction,
          timeScale,
        }),
        creationDate: Date.now(),
      });
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return entries;
}

/** The definition text with every placeholder bound to its local ARN. */
export function bindWorkflow(workflow: WorkflowDeclaration): string {
  const file = definitionPath(workflow);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DefinitionError(workflow.name, [`cannot read ${file}: ${(error as Error).message}`]);
  }
  const problems = bindingProblems(text, workflow.placeholders);
  if (problems.length) throw new DefinitionError(workflow.name, problems);
  const values: Record<string, string> = {};
  for (const [placeholder, binding] of Object.entries(workflow.placeholders))
    values[placeholder] = localFunctionArn(binding.lambda);
  const { text: bound } = substitutePlaceholders(text, values);
  return bound;
}
