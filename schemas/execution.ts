/**
 * Workflow executions as the API shows them: a summary per execution for lists, and a readable
 * timeline (states entered and left, task attempts, retries, callbacks, errors, durations) built
 * from the Step Functions execution history.
 */
import * as z from 'zod';
import { PageQuery, pageOf } from './api.ts';
import { Actor } from './audit.ts';
import { Channel, IsoDateTime } from './common.ts';

/** The statuses a list can be filtered by: Step Functions' own. */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
/** AWS adds PENDING_REDRIVE for a failed execution being redriven; it can appear in answers. */
export const ExecutionStatus = z
  .enum([...EXECUTION_STATUSES, 'PENDING_REDRIVE'])
  .meta({ id: 'ExecutionStatus' });
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** Workflow names are kebab-case (workflows/registry.ts). */
export const WORKFLOW_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** `quote:quo_01J…`: a record type and its id. */
export const RECORD_FILTER = /^([a-z]+):([a-z]{3}_[0-9A-HJKMNP-TV-Z]{26})$/;

export const ExecutionListQuery = PageQuery.extend({
  // A cursor remembers a position in every workflow's list, so it may be longer than others.
  cursor: z.string().max(8192).optional(),
  workflow: z
    .string()
    .max(80)
    .regex(WORKFLOW_NAME, { error: 'must be a workflow name such as quote-approval' })
    .optional()
    .meta({ description: 'Only executions of this workflow' }),
  status: z
    .enum(EXECUTION_STATUSES)
    .optional()
    .meta({ description: `One of ${EXECUTION_STATUSES.join(', ')}` }),
  record: z
    .string()
    .max(100)
    .regex(RECORD_FILTER, { error: 'must be a record as type:id, e.g. quote:quo_01JD…' })
    .optional()
    .meta({ description: 'Only executions started for this record, as type:id (quote:quo_01JD…)' }),
});

export const RecordRef = z
  .object({
    type: z.string(),
    id: z.string(),
    href: z.string().meta({ description: 'The record in this API' }),
  })
  .meta({ id: 'RecordRef', description: 'The CRM record an execution was started for' });
export type RecordRef = z.infer<typeof RecordRef>;

export const ExecutionSummary = z
  .object({
    id: z.string().meta({ description: 'workflow.name; use it in /v1/executions/{id}' }),
    workflow: z.string(),
    name: z.string(),
    executionArn: z.string(),
    status: ExecutionStatus,
    startedAt: IsoDateTime,
    stoppedAt: IsoDateTime.optional(),
    durationMs: z.int().optional(),
    record: RecordRef.optional(),
    href: z.string(),
  })
  .meta({ id: 'ExecutionSummary' });
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

export const ExecutionPage = pageOf(ExecutionSummary, 'ExecutionPage');

/** Fields left out because they were too large to show, with their size in bytes. */
const Omitted = z
  .record(z.string(), z.int())
  .meta({ description: 'Payload fields left out for size, with their size in bytes' });

/** Who settled a task token, where the product recorded it (see docs/api.md). */
export const CallbackSender = z
  .object({
    actor: Actor,
    channel: Channel,
    at: IsoDateTime,
    outcome: z.enum(['success', 'failure']),
    summary: z.string().optional(),
    href: z.string().optional().meta({ description: 'Where the product recorded the decision' }),
  })
  .meta({ id: 'CallbackSender' });
export type CallbackSender = z.infer<typeof CallbackSender>;

export const CALLBACK_SETTLEMENTS = [
  'pending',
  'success',
  'failure',
  'timeout',
  'heartbeat-timeout',
  'not-handed-over',
  'abandoned',
] as const;

export const TaskCallback = z
  .object({
    token: z.string().meta({ description: 'A fingerprint of the task token (never the token itself)' }),
    handedOverAt: IsoDateTime.optional().meta({
      description: 'When the task’s function took the token (TaskSubmitted)',
    }),
    settlement: z.enum(CALLBACK_SETTLEMENTS).meta({
      description:
        'pending: still waited on; success / failure: SendTaskSuccess / SendTaskFailure; timeout, ' +
        'heartbeat-timeout: nobody answered in time; not-handed-over: the function failed before taking ' +
        'the token; abandoned: the execution ended first',
    }),
    settledAt: IsoDateTime.optional(),
    settledBy: CallbackSender.optional(),
    seeAlso: z.string().optional().meta({ description: 'The history of the record the execution is for' }),
    note: z.string().meta({ description: 'One readable sentence about the callback' }),
  })
  .meta({ id: 'TaskCallback' });

export const ATTEMPT_STATUSES = [
  'running',
  'waiting-for-callback',
  'succeeded',
  'failed',
  'timed-out',
] as const;

export const TaskAttempt = z
  .object({
    number: z.int().min(1),
    resource: z.string().meta({ description: 'e.g. lambda:invoke.waitForTaskToken, or a function ARN' }),
    status: z.enum(ATTEMPT_STATUSES),
    scheduledAt: IsoDateTime,
    startedAt: IsoDateTime.optional(),
    endedAt: IsoDateTime.optional(),
    durationMs: z.int().optional(),
    retryDelayMs: z
      .int()
      .optional()
      .meta({ description: 'Time between the previous attempt’s failure and this attempt (the backoff)' }),
    parameters: z.unknown().optional().meta({ description: 'What the task was given; task tokens masked' }),
    output: z.unknown().optional(),
    error: z.string().optional(),
    cause: z.string().optional(),
    callback: TaskCallback.optional(),
    omitted: Omitted.optional(),
  })
  .meta({ id: 'TaskAttempt' });
export type TaskAttempt = z.infer<typeof TaskAttempt>;

export const VISIT_STATUSES = ['running', 'succeeded', 'failed', 'caught', 'aborted', 'timed-out'] as const;

export const StateVisit = z
  .object({
    id: z.int().meta({ description: 'The history event id of the entry into the state' }),
    name: z.string(),
    type: z.string().meta({ description: 'Task, Wait, Choice, Pass, Parallel, Map, Succeed, Fail' }),
    parent: z.int().optional().meta({ description: 'The Parallel or Map visit this one ran inside' }),
    status: z.enum(VISIT_STATUSES).meta({
      description: 'caught: the state failed and a Catch passed the error on to the next state',
    }),
    summary: z.string().meta({ description: 'One readable sentence about the visit' }),
    enteredAt: IsoDateTime,
    exitedAt: IsoDateTime.optional().meta({ description: 'When the state was left (or failed)' }),
    durationMs: z.int().optional(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
    error: z.string().optional(),
    cause: z.string().optional(),
    caughtBy: z.string().optional().meta({ description: 'The state a Catch sent the error to' }),
    retries: z.int().optional().meta({ description: 'Task states: attempts after the first' }),
    attempts: z.array(TaskAttempt).optional(),
    items: z
      .object({
        total: z.int().optional(),
        succeeded: z.int(),
        failed: z.int(),
        aborted: z.int(),
      })
      .optional()
      .meta({ description: 'Map states: iterations' }),
    omitted: Omitted.optional(),
  })
  .meta({ id: 'StateVisit' });
export type StateVisit = z.infer<typeof StateVisit>;

export const ExecutionDetail = ExecutionSummary.extend({
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  states: z.array(StateVisit).meta({ description: 'Every state entered, in order' }),
  eventCount: z.int().meta({ description: 'History events the timeline was built from' }),
  omitted: Omitted.optional(),
}).meta({ id: 'ExecutionDetail' });
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;
