/**
 * What the lead use cases depend on, and its production wiring, read once at cold start:
 *   TABLE_NAME                   the records table (leads, match keys, tickets, rate counters)
 *   WORKFLOW_LEAD_ROUTING_ARN    the follow-up flow intake starts (connectors/stepfunctions/client.ts)
 *   LEAD_EMAIL_FROM              the address lead notifications come from (task handlers only)
 * Tests build LeadDeps from fakes; the hub and the CDK stack set the variables.
 */
import * as z from 'zod';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { loadConfig, TableEnv } from '#platform/config';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { LeadRoutingStore } from '#store/lead-routing-store';
import { MessageOutbox } from '#store/message-outbox';
import { RateLimits } from '#store/rate-limits';
import { documentDeps } from '../admin/wiring.ts';
import { startWorkflow } from '../shared/workflows.ts';
import type { FollowUpFlow, LeadDeps, NotifyDeps } from './ports.ts';

/** The workflow's name in workflows/registry.ts and in WORKFLOW_LEAD_ROUTING_ARN. */
export const LEAD_ROUTING_FLOW = 'lead-routing';

/**
 * The lead-routing state machine through Step Functions, each execution tied to its lead
 * (functions/shared/workflows.ts) so the executions API lists a lead's follow-up. The execution
 * is named after the lead, so a retried intake starting it again with the same input is answered
 * like the first start, and one that finds it already finished changes nothing.
 */
export function stepFunctionsFollowUp(links: ExecutionLinkStore): FollowUpFlow {
  return {
    async start(state) {
      try {
        await startWorkflow(links, {
          workflow: LEAD_ROUTING_FLOW,
          name: `${state.leadId}-${state.attempt}`,
          input: state,
          record: { type: 'lead', id: state.leadId },
        });
      } catch (error) {
        if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      }
    },
  };
}

let lead: LeadDeps | undefined;
export function leadDeps(): LeadDeps {
  if (lead) return lead;
  const config = loadConfig(TableEnv);
  lead = {
    ...documentDeps(),
    leads: new LeadRoutingStore(documents, config.TABLE_NAME),
    rateLimits: new RateLimits(documents, config.TABLE_NAME),
    followUp: stepFunctionsFollowUp(new ExecutionLinkStore(documents, config.TABLE_NAME)),
  };
  return lead;
}

const NotifyEnv = TableEnv.extend({
  LEAD_EMAIL_FROM: z.email({ error: 'LEAD_EMAIL_FROM must be the address lead notifications come from' }),
});

let notify: NotifyDeps | undefined;
export function notifyDeps(): NotifyDeps {
  if (notify) return notify;
  const config = loadConfig(NotifyEnv);
  notify = {
    ...leadDeps(),
    email: new SesEmailSender({ from: config.LEAD_EMAIL_FROM }),
    sms: new SnsSmsSender(),
    outbox: new MessageOutbox(documents, config.TABLE_NAME),
  };
  return notify;
}
