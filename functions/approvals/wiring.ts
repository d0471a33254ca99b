/**
 * Production wiring of quote approval: where this module builds its adapters (the senders are
 * added in ./messaging.wiring.ts, apart, so that handlers which never send — the decision page,
 * submit — do not bundle SES, SNS and the user directory). Each builder runs on first use, at
 * cold start of the first call, and reads its configuration then, failing with the variable's
 * name when one is missing:
 *   TABLE_NAME                    the records table (runs, steps and requests live there too)
 *   WORKFLOW_QUOTE_APPROVAL_ARN   the state machine submit starts (connectors/stepfunctions/client.ts)
 * The local hub sets them; on AWS the CDK stack does, for the functions that need each.
 */
import { stepFunctionsExecutions } from '#connectors/stepfunctions/executions';
import { stepFunctionsCallbacks } from '#connectors/stepfunctions/task-callbacks';
import { loadConfig, TableEnv } from '#platform/config';
import { ApprovalStore } from '#store/approval-store';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { RecordStore } from '#store/record-store';
import { documentDeps } from '../admin/wiring.ts';
import { startWorkflow } from '../shared/workflows.ts';
import type { ApprovalWorkflow, SettleDeps, StepOutcome, SubmitDeps } from './ports.ts';
import { QUOTE_APPROVAL } from './use-cases/approval-flow.ts';

let settle: SettleDeps | undefined;
/** For the decision page, Load Step and the SMS replies: the stores and the task callbacks. */
export function settleDeps(): SettleDeps {
  if (settle) return settle;
  const { TABLE_NAME } = loadConfig(TableEnv);
  settle = {
    approvals: new ApprovalStore(documents, TABLE_NAME),
    records: new RecordStore(documents, TABLE_NAME),
    tasks: stepFunctionsCallbacks<{ outcome: StepOutcome }>(),
    now: () => new Date(),
  };
  return settle;
}

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
/** For the API: submit, recall, and reading a quote's approval. */
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
