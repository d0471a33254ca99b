/**
 * What the ticket SLA use cases need from the world: the documents and records, the SLA
 * workflow, the senders and the survey links. ./wiring.ts builds the production adapters.
 */
import type { EmailSender } from '#connectors/email/email-sender';
import type { SmsSender } from '#connectors/sms/sms-sender';
import type { Outbox } from '#store/message-outbox';
import type { SurveyStore } from '#store/survey-store';
import type { DocumentDeps } from '../admin/ports.ts';
import type { RecordDeps } from '../records/ports.ts';

/** Starts the watch over one generation of a ticket's SLA schedule. */
export interface SlaWorkflow {
  start(ticketId: string, generation: number): Promise<void>;
}

/** What sends alerts and surveys, and where their links point. */
export interface SlaMessaging {
  email: EmailSender;
  sms: SmsSender;
  /** Where survey links are created, with the email that carries each. */
  surveys: Pick<SurveyStore, 'create'>;
  /** Where every alert and survey email is recorded before it is sent (../shared/deliver-once.ts). */
  outbox: Outbox;
  linkBaseUrl: string;
}

/** The SLA task and the ticket writes. */
export type TicketDeps = DocumentDeps & SlaMessaging;

/** A survey link opened and answered: the ticket it rates, and the link. */
export type SurveyDeps = RecordDeps & { surveys: Pick<SurveyStore, 'get' | 'answerItem'> };
