/**
 * Production wiring of the ticket SLA: the policy documents, the ticket-sla workflow, and — for
 * the workflow's task only — email, SMS and the survey links. Configuration is read once, at
 * first use, failing with the variable's name when one is missing:
 *   TABLE_NAME                 the records table (tickets, policies, survey links)
 *   TICKET_EMAIL_FROM          the address SLA alerts and surveys come from (an SES identity)
 *   TICKET_LINK_BASE_URL       public base URL of the API; survey links are `${it}/surveys/{id}`
 *   WORKFLOW_TICKET_SLA_ARN    the state machine ticket writes start (connectors/stepfunctions/client.ts)
 * The local hub sets all of them; on AWS the CDK stack does.
 */
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { workflowArnVariable } from '#connectors/stepfunctions/client';
import { loadConfig, TableEnv } from '#platform/config';
import { logger } from '#platform/observability';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { MessageOutbox } from '#store/message-outbox';
import { SurveyStore } from '#store/survey-store';
import { documentDeps } from '../admin/wiring.ts';
import type { RecordDeps, RecordLifecycle } from '../records/ports.ts';
import { recordDeps } from '../records/wiring.ts';
import { startWorkflow } from '../shared/workflows.ts';
import type { SlaWorkflow, SurveyDeps, TicketDeps } from './ports.ts';
import { ticketLifecycleWith } from './use-cases/ticket-lifecycle.ts';

/** The workflow's name in workflows/registry.ts and in WORKFLOW_TICKET_SLA_ARN. */
export const TICKET_SLA = 'ticket-sla';

/** An execution per generation: `tkt_…-3` is the third schedule of that ticket. */
export const executionName = (ticketId: string, generation: number) => `${ticketId}-${generation}`;

let workflow: SlaWorkflow | null | undefined;
/**
 * The ticket-sla workflow, or none where this function was not given it (a hub started with
 * other workflows only): tickets then keep their deadlines, and nothing watches them.
 */
export function slaWorkflow(): SlaWorkflow | undefined {
  if (workflow !== undefined) return workflow ?? undefined;
  if (!process.env[workflowArnVariable(TICKET_SLA)]) {
    logger.warn(
      `${workflowArnVariable(TICKET_SLA)} is not set: ticket SLA deadlines are kept but not watched`,
    );
    workflow = null;
    return undefined;
  }
  const links = new ExecutionLinkStore(documents, loadConfig(TableEnv).TABLE_NAME);
  workflow = {
    async start(ticketId, generation) {
      await startWorkflow(links, {
        workflow: TICKET_SLA,
        name: executionName(ticketId, generation),
        input: { ticketId, generation, wokeFor: null },
        record: { type: 'ticket', id: ticketId },
      });
    },
  };
  return workflow;
}

const MessagingEnv = TableEnv.extend({
  TICKET_LINK_BASE_URL: z.url({ error: 'TICKET_LINK_BASE_URL must be the public base URL of the API' }),
  TICKET_EMAIL_FROM: z.email({ error: 'TICKET_EMAIL_FROM must be the address ticket emails come from' }),
});

let ticket: TicketDeps | undefined;
/** For the workflow's task and the survey pages. */
export function ticketDeps(): TicketDeps {
  if (ticket) return ticket;
  const config = loadConfig(MessagingEnv);
  ticket = {
    ...documentDeps(),
    lifecycleOf: ticketsOnly,
    email: new SesEmailSender({ from: config.TICKET_EMAIL_FROM }),
    sms: new SnsSmsSender(),
    surveys: new SurveyStore(documents, config.TABLE_NAME),
    outbox: new MessageOutbox(documents, config.TABLE_NAME),
    linkBaseUrl: config.TICKET_LINK_BASE_URL.replace(/\/+$/, ''),
  };
  return ticket;
}

let survey: (RecordDeps & { surveys: SurveyStore }) | undefined;
/** For the survey pages: the records and the survey links, nothing that sends. */
export function surveyDeps(): SurveyDeps {
  if (survey) return survey;
  survey = {
    ...recordDeps(),
    lifecycleOf: ticketsOnly,
    surveys: new SurveyStore(documents, loadConfig(TableEnv).TABLE_NAME),
  };
  return survey;
}

/** What every ticket write does for the SLA, with the workflow that watches it. */
export const ticketLifecycle: RecordLifecycle = ticketLifecycleWith(slaWorkflow, documentDeps);

/** Ticket writes (replies, SLA events, closes, ratings) move the clocks: the ticket's lifecycle. */
async function ticketsOnly(type: { name: string }): Promise<RecordLifecycle | undefined> {
  return type.name === 'ticket' ? ticketLifecycle : undefined;
}

let replies: RecordDeps | undefined;
/** For replies: the records, with the ticket's lifecycle. */
export function replyDeps(): RecordDeps {
  replies ??= { ...recordDeps(), lifecycleOf: ticketsOnly };
  return replies;
}
