/**
 * Reading Step Functions: list a state machine's executions, describe one, read its whole
 * history. The executions API meets the SDK only here; the same calls reach AWS or the local
 * service (AWS_ENDPOINT_URL_SFN).
 */
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { stepFunctions } from './client.ts';

export type { HistoryEvent };

export interface ListedExecution {
  executionArn: string;
  name: string;
  status: string;
  startDate: Date;
  stopDate?: Date;
}

export interface DescribedExecution extends ListedExecution {
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** A page token Step Functions no longer accepts (they expire after a day). */
export class ExpiredPageTokenError extends Error {
  override name = 'ExpiredPageTokenError';
}

/** The state machine keeps no list of executions (EXPRESS). */
export class ExecutionsNotKept extends Error {
  override name = 'ExecutionsNotKept';
}

export interface ExecutionReader {
  /** One page, newest first; `nextToken` resumes after it. */
  list(
    stateMachineArn: string,
    options: { status?: string; nextToken?: string; maxResults: number },
  ): Promise<{ items: ListedExecution[]; nextToken?: string }>;
  /** Undefined when there is no such execution. */
  describe(executionArn: string): Promise<DescribedExecution | undefined>;
  /** Every event, oldest first, all pages read. */
  history(executionArn: string): Promise<HistoryEvent[]>;
}

const named = (error: unknown, ...names: string[]) => error instanceof Error && names.includes(error.name);

export function stepFunctionsReader(client: () => SFNClient = stepFunctions): ExecutionReader {
  return {
    async list(stateMachineArn, options) {
      try {
        const page = await client().send(
          new ListExecutionsCommand({
            stateMachineArn,
            maxResults: options.maxResults,
            ...(options.status ? { statusFilter: options.status as ExecutionStatus } : {}),
            ...(options.nextToken ? { nextToken: options.nextToken } : {}),
          }),
        );
        return {
          items: (page.executions ?? []).map((e) => ({
            executionArn: e.executionArn as string,
            name: e.name as string,
            status: e.status as string,
            startDate: e.startDate as Date,
            ...(e.stopDate ? { stopDate: e.stopDate } : {}),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      } catch (error) {
        if (named(error, 'StateMachineTypeNotSupported')) throw new ExecutionsNotKept(stateMachineArn);
        // Step Functions' page tokens expire after a day: the cursor holding one is stale.
        if (named(error, 'InvalidToken')) throw new ExpiredPageTokenError('the cursor has expired');
        throw error;
      }
    },

    async describe(executionArn) {
      try {
        const e = await client().send(new DescribeExecutionCommand({ executionArn }));
        return {
          executionArn: e.executionArn as string,
          name: e.name as string,
          status: e.status as string,
          startDate: e.startDate as Date,
          ...(e.stopDate ? { stopDate: e.stopDate } : {}),
          ...(e.input !== undefined ? { input: e.input } : {}),
          ...(e.output !== undefined ? { output: e.output } : {}),
          ...(e.error !== undefined ? { error: e.error } : {}),
          ...(e.cause !== undefined ? { cause: e.cause } : {}),
        };
      } catch (error) {
        if (named(error, 'ExecutionDoesNotExist')) return undefined;
        throw error;
      }
    },

    async history(executionArn) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client().send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            includeExecutionData: true,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    },
  };
}
