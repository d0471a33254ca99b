/** Starting and stopping executions: the two calls that change what runs. */
import { type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from './client.ts';

export interface ExecutionControl {
  /** StartExecution; a retry with the same name and input is answered like the first start. */
  start(stateMachineArn: string, name: string, input: unknown): Promise<{ executionArn: string }>;
  /** StopExecution; an execution that never started or is gone already is not an error. */
  stop(executionArn: string, cause: string): Promise<void>;
}

export function stepFunctionsExecutions(client: () => SFNClient = stepFunctions): ExecutionControl {
  return {
    async start(stateMachineArn, name, input) {
      const { executionArn } = await client().send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      if (!executionArn) throw new Error('StartExecution answered no executionArn');
      return { executionArn };
    },
    async stop(executionArn, cause) {
      try {
        await client().send(new StopExecutionCommand({ executionArn, cause }));
      } catch (error) {
        if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
      }
    },
  };
}
