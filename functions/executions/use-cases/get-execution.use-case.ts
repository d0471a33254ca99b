import { executionArnOf } from '#connectors/stepfunctions/client';
import type { ExecutionDetail } from '#schemas/execution';
import { invalidRequest, notFound } from '../../shared/errors.ts';
import { parseExecutionId } from '../domain/execution-id.ts';
import { buildTimeline, tokenDigestsIn } from '../domain/timeline.ts';
import type { ExecutionDeps } from '../ports.ts';
import { recordRef, summaryOf } from './execution-service.ts';

/**
 * One workflow execution as a readable timeline.
 * 1. Parse the id (`workflow.name`; 400 when it cannot be one) and find the workflow's state
 *    machine (404 when this function knows no such workflow).
 * 2. DescribeExecution (404 when there is none); then, side by side, the whole history (every
 *    page of GetExecutionHistory) and the record the execution was started for (one GetItem).
 * 3. Who settled the callback tasks' tokens, where the product noted it: one BatchGetItem by
 *    the tokens' digests.
 * 4. Build the timeline: states, attempts, retries, catches, waits, callbacks, durations.
 */
export async function getExecution(deps: ExecutionDeps, id: string): Promise<ExecutionDetail> {
  const parsed = parseExecutionId(id);
  if (!parsed)
    throw invalidRequest(
      `"${id.slice(0, 100)}" is not an execution id: expected workflow.name, e.g. quote-approval.apr_01JD…`,
    );
  const stateMachineArn = deps.workflows.get(parsed.workflow);
  if (!stateMachineArn) throw notFound(`No workflow "${parsed.workflow}".`);
  const executionArn = executionArnOf(stateMachineArn, parsed.name);
  const described = await deps.reader.describe(executionArn);
  if (!described) throw notFound(`No execution "${parsed.name}" of workflow "${parsed.workflow}".`);

  const [events, record] = await Promise.all([
    deps.reader.history(executionArn),
    deps.links.recordOf(parsed),
  ]);
  const digests = tokenDigestsIn(events);
  const callbacks = digests.length > 0 ? await deps.links.callbacks(digests) : new Map();
  const ref = record ? recordRef(record) : undefined;
  const timeline = buildTimeline({
    events,
    status: described.status,
    callbacks,
    ...(ref ? { recordHistory: `${ref.href}/history` } : {}),
    now: deps.now(),
  });
  return {
    ...summaryOf(parsed.workflow, described, record),
    ...timeline,
    ...(described.error !== undefined && timeline.error === undefined ? { error: described.error } : {}),
    ...(described.cause !== undefined && timeline.cause === undefined ? { cause: described.cause } : {}),
    eventCount: events.length,
  };
}
