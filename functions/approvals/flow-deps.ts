/**
 * Production wiring of the quote-approval workflow's tasks: the stores, the SES and SNS adapters,
 * the task-token callbacks, and the configuration they need — read once, at cold start of the
 * first call, failing with the variable's name when one is missing:
 *   TABLE_NAME                the records table (runs, steps and requests live there too)
 *   APPROVAL_LINK_BASE_URL    public base URL of the API; links are `${it}/approvals/{id}`
 *   APPROVAL_EMAIL_FROM       the address approval emails come from (an SES-verified identity)
 * The local hub sets them; on AWS the CDK stack does.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { loadConfig, TableEnv } from '#platform/config';
import { tracer } from '#platform/observability';
import { documents } from '#store/dynamodb';
import { MessageOutbox } from '#store/message-outbox';
import type { FlowDeps } from './approval-flow.ts';
import { recordDirectory } from './record-directory.ts';
import { settleDeps } from './settle-step.ts';

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
    outbox: new MessageOutbox(documents, config.TABLE_NAME),
    linkBaseUrl: config.APPROVAL_LINK_BASE_URL,
  };
  return flow;
}
