/**
 * Starting a workflow for a CRM record: the execution tied to its record first, then started
 * through the Step Functions adapters (connectors/stepfunctions/, which also say how a function
 * finds its workflows' ARNs).
 */
import { executionArnOf, workflowArn } from '#connectors/stepfunctions/client';
import { type ExecutionControl, stepFunctionsExecutions } from '#connectors/stepfunctions/executions';
import type { ExecutionLinkStore, RecordKey } from '#store/execution-links';

/**
 * Starts a workflow, tied to the CRM record it runs for, so the executions API can list a
 * record's executions and show each one's record.
 * 1. Tie the execution's name to the record (before starting: a link to an execution that never
 *    started is skipped by readers, an execution without its link would be lost to its record).
 * 2. StartExecution. A retry with the same name and input is answered like the first start.
 * Name executions by something unique to the run (an approval run id, an order id): Step
 * Functions refuses a second execution of one name, and the link keeps the first record.
 */
export async function startWorkflow(
  links: ExecutionLinkStore,
  start: { workflow: string; name: string; input: unknown; record?: RecordKey },
  executions: Pick<ExecutionControl, 'start'> = stepFunctionsExecutions(),
): Promise<{ executionArn: string }> {
  const stateMachineArn = workflowArn(start.workflow);
  if (start.record)
    await links.link({
      workflow: start.workflow,
      name: start.name,
      executionArn: executionArnOf(stateMachineArn, start.name),
      record: start.record,
      startedAt: new Date().toISOString(),
    });
  return executions.start(stateMachineArn, start.name, start.input);
}
