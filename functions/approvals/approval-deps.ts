/**
 * Production wiring of the quote-approval API (submit, recall, the run's view): the stores and
 * the Step Functions client, configured once, at cold start of the first call:
 *   TABLE_NAME                    the records table (runs, steps and requests live there too)
 *   WORKFLOW_QUOTE_APPROVAL_ARN   the state machine submit starts (connectors/stepfunctions/client.ts)
 * The workflow's tasks are wired in ./flow-deps.ts, so these functions load no email or SMS client.
 */
import { stepFunctionsExecutions } from '#connectors/stepfunctions/executions';
import { loadConfig, TableEnv } from '#platform/config';
import { ApprovalStore } from '#store/approval-store';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { documentDeps } from '../admin/document-service.ts';
import { startWorkflow } from '../shared/workflows.ts';
import { QUOTE_APPROVAL } from './approval-flow.ts';
import type { ApprovalWorkflow, SubmitDeps } from './submit-quote.use-case.ts';

/**
 * The quote-approval state machine through Step Functions. Each execution is tied to its quote
 * (functions/shared/workflows.ts), so the executions API lists a quote's approvals.
 */
export function stepFunctionsWorkflow(): ApprovalWorkflow {
  const links = new ExecutionLinkStore(documents, loadConfig(TableEnv).TABLE_NAME);
  const executions = stepFunctionsExecutions();
  return {
    async start(name, input, quoteId) {
      const { executionArn } = await startWorkflow(
        links,
        { workflow: QUOTE_APPROVAL, name, input, record: { type: 'quote', id: quoteId } },
        executions,
      );
      return executionArn;
    },
    // Never started (the start failed and was undone) or already gone: nothing to stop.
    stop: (executionArn, cause) => executions.stop(executionArn, cause),
  };
}

let submit: SubmitDeps | undefined;
/** For the API handlers: submit, recall, and reading a quote's approval. */
export function submitDeps(): SubmitDeps {
  if (submit) return submit;
  const config = loadConfig(TableEnv);
  submit = {
    ...documentDeps(),
    approvals: new ApprovalStore(documents, config.TABLE_NAME),
    workflow: stepFunctionsWorkflow(),
  };
  return submit;
}
