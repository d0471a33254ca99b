/**
 * What the quote-approval use cases need from the world, and nothing more: narrow views of the
 * stores, the workflow, the senders and the user directory. ./wiring.ts builds the production
 * adapters; tests pass plain fakes of these.
 */
import type { EmailSender } from '#connectors/email/email-sender';
import type { SmsSender } from '#connectors/sms/sms-sender';
import type { TaskCallbacks } from '#connectors/stepfunctions/task-callbacks';
import type { Role } from '#schemas/common';
import type { ApprovalStore } from '#store/approval-store';
import type { Outbox } from '#store/message-outbox';
import type { RecordStore } from '#store/record-store';
import type { DocumentDeps } from '../admin/ports.ts';

/** Runs, steps and requests, as the flow reads and writes them. */
export type ApprovalRuns = Pick<
  ApprovalStore,
  | 'addRequest'
  | 'closeRequests'
  | 'countWrongCode'
  | 'decide'
  | 'markRequestSent'
  | 'phoneHasLiveCodes'
  | 'request'
  | 'requestByLink'
  | 'requestBySmsCode'
  | 'requests'
  | 'run'
  | 'runIdsOfQuote'
  | 'runItems'
  | 'runUpdateItem'
  | 'setRunFields'
  | 'setStepFields'
  | 'step'
  | 'steps'
  | 'wrongCodes'
>;

/** The quote and its history, as the flow reads and writes them. */
export type QuoteRecords = Pick<RecordStore, 'get' | 'getMany' | 'replace' | 'appendHistory' | 'list'>;

/** How a step ends, as the workflow's task token is answered. */
export type StepOutcome = 'approved' | 'rejected';

/** What settling a step needs: the records, the runs, the workflow's task callbacks, a clock. */
export interface SettleDeps {
  approvals: ApprovalRuns;
  records: QuoteRecords;
  tasks: TaskCallbacks<{ outcome: StepOutcome }>;
  now: () => Date;
}

/** The workflow's tasks: settling, plus whom to ask and how to reach them. */
export interface FlowDeps extends SettleDeps {
  /** A fresh directory per invocation: it caches users for the invocation's length. */
  directory: () => Directory;
  email: EmailSender;
  sms: SmsSender;
  /** Where every message is recorded before it is sent (../shared/deliver-once.ts). */
  outbox: Outbox;
  /** The public base URL approval links start with (`${linkBaseUrl}/approvals/{link id}`). */
  linkBaseUrl: string;
}
/** The quote-approval state machine, as the API drives it. */
export interface ApprovalWorkflow {
  /**
   * Starts the execution named `name` for a quote; the same name and input again is answered
   * like the first start.
   */
  start(name: string, input: { approvalId: string; stepIndex: number }, quoteId: string): Promise<string>;
  stop(executionArn: string, cause: string): Promise<void>;
}

export interface SubmitDeps extends DocumentDeps {
  approvals: ApprovalRuns;
  workflow: ApprovalWorkflow;
}

/** Recording a decision (link or SMS) settles the step it decides. */
export type DecisionDeps = SettleDeps;

/** An SMS reply also answers the sender by SMS. */
export interface SmsDecisionDeps extends DecisionDeps {
  sms: SmsSender;
}

/** A staff user as approval planning sees them. */
export interface DirectoryUser {
  id: string;
  name: string;
  email: string;
  phone?: string;
  role: Role;
  managerId?: string;
  active: boolean;
  smsOptOut?: boolean;
  outOfOffice?: { from: string; until: string; delegateId?: string };
}

/** What planning needs to look up. */
export interface Directory {
  user(id: string): Promise<DirectoryUser | undefined>;
  usersWithRole(role: Role): Promise<DirectoryUser[]>;
  queueMembers(queueId: string): Promise<{ name: string; memberIds: string[] } | undefined>;
}
