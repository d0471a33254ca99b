/** Answering a task token a workflow waits on (`.waitForTaskToken`). */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { logger } from '#platform/observability';
import { stepFunctions } from './client.ts';

/** Answers a task token: 'delivered', or 'gone' when the workflow no longer waits on it. */
export interface TaskCallbacks<Output = Record<string, unknown>> {
  succeed(taskToken: string, output: Output): Promise<'delivered' | 'gone'>;
}

/** Errors meaning the token is not (or no longer) waited on: the workflow moved on. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

export function stepFunctionsCallbacks<Output>(
  client: () => SFNClient = stepFunctions,
): TaskCallbacks<Output> {
  return {
    async succeed(taskToken, output) {
      try {
        await client().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
        return 'delivered';
      } catch (error) {
        if (GONE.has((error as Error).name)) {
          // Callers re-check their state whenever they hold a new token, so nothing is lost.
          logger.info('task token no longer waited on', { error: (error as Error).name });
          return 'gone';
        }
        throw error;
      }
    },
  };
}
