/**
 * The senders of quote approval, on top of ./wiring.ts: SES and SNS, the outbox, the user
 * directory. Only the workflow's tasks and the SMS replies load this. Configuration, read once:
 *   APPROVAL_LINK_BASE_URL    public base URL of the API; links are `${it}/approvals/{id}`
 *   APPROVAL_EMAIL_FROM       the address approval emails come from (an SES-verified identity)
 */
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { MessageOutbox } from '#store/message-outbox';
import { recordDirectory } from './adapters/record-directory.ts';
import type { FlowDeps, SmsDecisionDeps } from './ports.ts';
import { settleDeps } from './wiring.ts';

const MessagingEnv = TableEnv.extend({
  APPROVAL_LINK_BASE_URL: z.url({ error: 'APPROVAL_LINK_BASE_URL must be the public base URL of the API' }),
  APPROVAL_EMAIL_FROM: z.email({
    error: 'APPROVAL_EMAIL_FROM must be the address approval emails come from',
  }),
});

let flow: FlowDeps | undefined;
/** For the workflow's tasks: settling, plus the directory, the senders and the outbox. */
export function flowDeps(): FlowDeps {
  if (flow) return flow;
  const config = loadConfig(MessagingEnv);
  const base = settleDeps();
  flow = {
    ...base,
    directory: () => recordDirectory(base.records),
    email: new SesEmailSender({ from: config.APPROVAL_EMAIL_FROM }),
    sms: new SnsSmsSender(),
    outbox: new MessageOutbox(documents, config.TABLE_NAME),
    linkBaseUrl: config.APPROVAL_LINK_BASE_URL,
  };
  return flow;
}

let sms: SmsDecisionDeps | undefined;
/** For the SMS replies: settling, and a sender to answer with. */
export function smsDecisionDeps(): SmsDecisionDeps {
  sms ??= { ...settleDeps(), sms: new SnsSmsSender() };
  return sms;
}
