/**
 * A local Step Functions service for one test file: its own table in the project's shared
 * DynamoDB Local, the fixture workflows and functions, and an SDK client that reaches it over a
 * real socket, exactly as a handler would through AWS_ENDPOINT_URL_SFN.
 */
import { randomBytes } from 'node:crypto';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { inject } from 'vitest';
import { type StepFunctionsLocal, startStepFunctionsLocal } from '#local/stepfunctions/index';
import type { WorkflowDeclaration } from '#workflows/registry.ts';
import { fixtureFunctions } from './fixtures/functions/index.ts';
import { FIXTURE_WORKFLOWS } from './fixtures/workflows.ts';

export interface TestService {
  service: StepFunctionsLocal;
  client: SFNClient;
  tableName: string;
  arn(stateMachine: string): string;
  start(stateMachine: string, input?: unknown, name?: string): Promise<string>;
  /** Waits (with a deadline) until the execution is no longer RUNNING. */
  finished(executionArn: string, timeoutMs?: number): Promise<DescribeExecutionCommandOutput>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  close(): Promise<void>;
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // StartSyncExecution would otherwise go to sync-127.0.0.1.
    disableHostPrefix: true,
    maxAttempts: 1,
  });
}

export async function startTestService(
  options: { timeScale?: number; lambdaTimeoutMs?: number; workflows?: readonly WorkflowDeclaration[] } = {},
): Promise<TestService> {
  const tableName = `sfn-${randomBytes(4).toString('hex')}`;
  const service = await startStepFunctionsLocal({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName,
    workflows: options.workflows ?? FIXTURE_WORKFLOWS,
    resolveFunction: fixtureFunctions(options.lambdaTimeoutMs ?? 5_000),
    timeScale: options.timeScale ?? 1,
  });
  const client = sfnClient(service.endpoint);
  const arn = (stateMachine: string) => {
    const found = service.stateMachines.find((machine) => machine.name === stateMachine);
    if (!found) throw new Error(`no state machine ${stateMachine}`);
    return found.arn;
  };
  return {
    service,
    client,
    tableName,
    arn,
    async start(stateMachine, input = {}, name) {
      const { executionArn } = await client.send(
        new StartExecutionCommand({
          stateMachineArn: arn(stateMachine),
          input: JSON.stringify(input),
          ...(name ? { name } : {}),
        }),
      );
      return executionArn as string;
    },
    finished: (executionArn, timeoutMs = 15_000) => finished(client, executionArn, timeoutMs),
    history: (executionArn) => history(client, executionArn),
    async close() {
      client.destroy();
      await service.close();
    },
  };
}

export async function finished(
  client: SFNClient,
  executionArn: string,
  timeoutMs = 15_000,
): Promise<DescribeExecutionCommandOutput> {
  return eventually(
    async () => {
      const description = await client.send(new DescribeExecutionCommand({ executionArn }));
      return description.status === 'RUNNING' ? undefined : description;
    },
    { timeoutMs, what: `${executionArn} to finish` },
  );
}

export async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Polls until `probe` answers something, or fails after the deadline. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 15_000,
    intervalMs = 25,
    what = 'the condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const types = (events: HistoryEvent[]) => events.map((event) => event.type);

export const output = (description: { output?: string | undefined }) =>
  JSON.parse(description.output ?? 'null') as Record<string, unknown>;
