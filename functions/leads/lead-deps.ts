/**
 * What the lead use cases depend on, and its production wiring, read once at cold start:
 *   TABLE_NAME                   the records table (leads, match keys, tickets, rate counters)
 *   WORKFLOW_LEAD_ROUTING_ARN    the follow-up flow intake starts (connectors/stepfunctions/client.ts)
 *   LEAD_EMAIL_FROM              the address lead notifications come from (task handlers only)
 * Tests build LeadDeps from fakes; the hub and the CDK stack set the variables.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import type { EmailSender } from '#connectors/email/email-sender';
import { SesEmailSender } from '#connectors/email/ses-email-sender';
import type { SmsSender } from '#connectors/sms/sms-sender';
import { SnsSmsSender } from '#connectors/sms/sns-sms-sender';
import { loadConfig, TableEnv } from '#platform/config';
import { tracer } from '#platform/observability';
import { documents } from '#store/dynamodb';
import { ExecutionLinkStore } from '#store/execution-links';
import { LeadRoutingStore } from '#store/lead-routing-store';
import { MessageOutbox, type Outbox } from '#store/message-outbox';
import { RateLimits } from '#store/rate-limits';
import { type DocumentDeps, documentDeps } from '../admin/document-service.ts';
import { startWorkflow } from '../shared/workflows.ts';

/** The workflow's name in workflows/registry.ts and in WORKFLOW_LEAD_ROUTING_ARN. */
export const LEAD_ROUTING_FLOW = 'lead-routing';

/** What the follow-up flow starts with; its tasks pass it on, changed. */
export interface FollowUpState {
  leadId: string;
  ownerId: string;
  /** 0 when first routed; +1 per reassignment or escalation. */
  attempt: number;
  assignedAt: string;
  hot: boolean;
  /** The routing version and rule the lead was routed under: the follow-up keeps them. */
  routing?: { documentId: string; version: number; ruleIndex: number | null };
  /** Seconds to wait for a contact before moving the lead on; 0 when the rule has no follow-up. */
  followUpSeconds: number;
  /** Everyone who has had the lead in this flow, so a reassignment moves it to someone new. */
  tried: string[];
  /** How the current owner got it, for the message they receive. */
  kind?: 'routed' | 'reassigned' | 'escalated';
}

/** Starts the follow-up flow of a lead: notify the owner, then wait for a contact. */
export interface FollowUpFlow {
  start(state: FollowUpState): Promise<void>;
}

export interface LeadDeps extends DocumentDeps {
  leads: LeadRoutingStore;
  rateLimits: RateLimits;
  followUp: FollowUpFlow;
}

export interface NotifyDeps extends LeadDeps {
  email: EmailSender;
  sms: SmsSender;
  /** Where each notification is recorded before it is sent (../shared/deliver-once.ts). */
  outbox: Outbox;
}

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
    email: new SesEmailSender({
      from: config.LEAD_EMAIL_FROM,
      client: tracer.captureAWSv3Client(new SESv2Client({})),
    }),
    sms: new SnsSmsSender({ client: tracer.captureAWSv3Client(new SNSClient({})) }),
    outbox: new MessageOutbox(documents, config.TABLE_NAME),
  };
  return notify;
}
