/**
 * Production wiring of the quote-approval flow: the stores, SES and SNS adapters, the Step
 * Functions client, and the configuration they need — read once, at cold start of the first
 * call, failing with the variable's name when one is missing:
 *   TABLE_NAME                    the records table (runs, steps and requests live there too)
 *   APPROVAL_LINK_BASE_URL        public base URL of the API; links are `${it}/approvals/{id}`
 *   APPROVAL_EMAIL_FROM           the address approval emails come from (an SES-verified identity)
 *   WORKFLOW_QUOTE_APPROVAL_ARN   the state machine submit starts (functions/shared/workflows.ts)
 * The local hub sets all of them; on AWS the CDK stack does.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { ApprovalStore } from '#store/approval-store';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { documentDeps } from '../admin/document-service.ts';
import { loadConfig, TableEnv } from '../shared/config.ts';
import { tracer } from '../shared/observability.ts';
import { startWorkflow, stepFunctions } from '../shared/workflows.ts';
import { type FlowDeps, QUOTE_APPROVAL } from './approval-flow.ts';
import { recordDirectory } from './record-directory.ts';
import { settleDeps } from './settle-step.ts';
import type { ApprovalWorkflow, SubmitDeps } from './submit-quote.use-case.ts';

const MessagingEnv = TableEnv.extend({
  APPROVAL_LINK_BASE_URL: z.url({ error: 'APPROVAL_LINK_BASE_URL must be the public base URL of the API' }),
  APPROVAL_EMAIL_FROM: z.email({
    error: 'APPROVAL_EMAIL_FROM must be the address approval emails come from',
  }),
});

let flow: FlowDeps | undefined;
/** For the workflow's task handlers. */
export function flowDeps(): FlowDeps {
  if (flow) return flow;
  const config = loadConfig(MessagingEnv);
  const base = settleDeps();
  flow = {
    ...base,
    directory: () => recordDirectory(base.records),
    email: new SesEmailSender({
      from: config.APPROVAL_EMAIL_FROM,
      client: tracer.captureAWSv3Client(new SESv2Client({})),
    }),
    sms: new SnsSmsSender({ client: tracer.captureAWSv3Client(new SNSClient({})) }),
    linkBaseUrl: config.APPROVAL_LINK_BASE_URL,
  };
  return flow;
}

/**
 * The quote-approval state machine through Step Functions. Each execution is tied to its quote
 * (functions/shared/workflows.ts), so the executions API lists a quote's approvals.
 */
export function stepFunctionsWorkflow(): ApprovalWorkflow {
  const links = new ExecutionLinkStore(documents, loadConfig(TableEnv).TABLE_NAME);
  return {
    async start(name, input, quoteId) {
      const { executionArn } = await startWorkflow(links, {
        workflow: QUOTE_APPROVAL,
        name,
        input,
        record: { type: 'quote', id: quoteId },
      });
      if (!executionArn) throw new Error('StartExecution answered no executionArn');
      return executionArn;
    },
    async stop(executionArn, cause) {
      try {
        await stepFunctions().send(new StopExecutionCommand({ executionArn, cause }));
      } catch (error) {
        // Never started (the start failed and was undone) or already gone: nothing to stop.
        if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
      }
    },
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
