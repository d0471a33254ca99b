/**
 * The events stack: the table's stream read into events, the queues between the steps of a
 * webhook's life (events → deliveries; inbound messages → their work), each with a dead-letter
 * queue and alarms, the functions those feed, and the sweeper's schedule. Built from
 * functions/queues.ts, the same declaration the local hub runs.
 *
 * Order: data → workflows → events → API. The consumers read and write the records table and may
 * start workflows; the API's functions send to these queues; nothing here refers to the API.
 */
import { Annotations, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  QUEUES,
  type QueueDesign,
  STREAM_CONSUMER,
  SWEEPER,
  visibilityTimeoutSeconds,
} from '#functions/queues';
import { HANDLERS } from '#functions/routes';
import { WEBHOOK_SECRET_PREFIX } from '#functions/webhooks/ports';
import { KEY } from '#store/table-design';
import {
  type GrantableTable,
  JunctionFunction,
  type MessagingSettings,
  pascalCase,
} from '../constructs/junction-function.ts';
import type { JunctionWorkflow } from '../constructs/junction-workflow.ts';
import {
  builtByEventsStack,
  messagingOf,
  queuesSentBy,
  recordsTableAccess,
  secretAccessOf,
  workflowGrantsOf,
} from '../handler-access.ts';

export interface EventsStackProps extends StackProps {
  readonly records: GrantableTable;
  readonly messaging?: MessagingSettings;
  readonly workflows?: ReadonlyMap<string, JunctionWorkflow>;
}

/** A queue's failures are kept two weeks (SQS's longest), for an admin to look at and send again. */
const DLQ_RETENTION = Duration.days(14);

export class EventsStack extends Stack {
  /** By the queue's name in functions/queues.ts. */
  readonly queues: ReadonlyMap<string, Queue>;
  readonly functions: ReadonlyMap<string, JunctionFunction>;
  /** The route handlers built here (infra/handler-access.ts, builtByEventsStack), for the API stack's routes. */
  readonly routeFunctions: ReadonlyMap<string, JunctionFunction>;

  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);
    const workflows = props.workflows ?? new Map<string, JunctionWorkflow>();

    const queues = new Map<string, Queue>();
    for (const design of Object.values(QUEUES) as QueueDesign[]) {
      const base = pascalCase(design.name);
      const deadLetters = new Queue(this, `${base}DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DLQ_RETENTION,
      });
      const queue = new Queue(this, `${base}Queue`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(design)),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: design.maxReceiveCount },
      });
      // Anything in a dead-letter queue is a message that failed every retry: someone should look.
      new Alarm(this, `${base}DeadLettersAlarm`, {
        alarmDescription: `Messages failed every retry on the ${design.name} queue (see docs/webhooks.md, "Faults")`,
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      // A queue whose oldest message waits longer than a quarter of an hour is not keeping up.
      new Alarm(this, `${base}AgeAlarm`, {
        alarmDescription: `The ${design.name} queue's consumer is falling behind`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) }),
        threshold: 900,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      queues.set(design.name, queue);
    }
    this.queues = queues;

    const functions = new Map<string, JunctionFunction>();
    const unmet = new Set<string>();
    const functionFor = (handler: string, timeoutSeconds: number) => {
      const fn = new JunctionFunction(this, pascalCase(handler), {
        handler,
        timeout: Duration.seconds(timeoutSeconds),
      });
      const access = recordsTableAccess(handler);
      if (access !== 'none') fn.useTable(props.records, access, 'TABLE_NAME');
      const messaging = messagingOf(handler);
      if (messaging)
        for (const setting of fn.useMessaging(props.messaging ?? {}, messaging)) unmet.add(setting);
      for (const design of queuesSentBy(handler)) {
        const queue = queues.get(design.name);
        if (queue) fn.useQueue(queue, design.urlVariable);
      }
      const secrets = secretAccessOf(handler);
      if (secrets) fn.useSecrets(WEBHOOK_SECRET_PREFIX, secrets);
      const { grants, unknown } = workflowGrantsOf(handler, [...workflows.keys()]);
      for (const [name, grant] of grants) workflows.get(name)?.grantTo(fn, grant);
      for (const warning of unknown) Annotations.of(fn).addWarningV2('junction:unknown-workflow', warning);
      functions.set(handler, fn);
      return fn;
    };

    for (const design of Object.values(QUEUES) as QueueDesign[]) {
      const queue = queues.get(design.name) as Queue;
      functionFor(design.consumer, design.timeoutSeconds).addEventSource(
        new SqsEventSource(queue, {
          batchSize: design.batchSize,
          reportBatchItemFailures: true,
          maxBatchingWindow: Duration.seconds(0),
        }),
      );
    }

    // The stream: only new audit entries matter (an event per committed change); everything else
    // is filtered out before the function is invoked. A record that fails ten times, even after
    // the batch is halved around it, goes to a dead-letter queue instead of holding up the shard.
    const streamFailures = new Queue(this, 'RecordStreamDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(streamFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the stream consumer (its on-failure destination): ' +
        'a dead-letter queue of its own would only move the problem.',
    });
    new Alarm(this, 'RecordStreamDeadLettersAlarm', {
      alarmDescription: 'Audit entries the stream consumer could not turn into events (see docs/webhooks.md)',
      metric: streamFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    functionFor(STREAM_CONSUMER.handler, STREAM_CONSUMER.timeoutSeconds).addEventSource(
      new DynamoEventSource(props.records.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_CONSUMER.batchSize,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(streamFailures),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual(STREAM_CONSUMER.filter.eventName),
            dynamodb: {
              Keys: { [KEY.sk]: { S: FilterRule.beginsWith(STREAM_CONSUMER.filter.sortKeyPrefix) } },
            },
          }),
        ],
      }),
    );

    // Their routes are the API stack's; the 10 seconds are every route function's (API Gateway waits 30).
    this.routeFunctions = new Map(
      HANDLERS.filter(builtByEventsStack).map((handler) => [handler, functionFor(handler, 10)]),
    );

    const sweeper = functionFor(SWEEPER.handler, SWEEPER.timeoutSeconds);
    new Rule(this, 'SweepSchedule', {
      description: 'Queues again webhook deliveries and inbound messages that are due and not queued',
      schedule: Schedule.rate(Duration.minutes(SWEEPER.everyMinutes)),
      targets: [new LambdaFunction(sweeper, { retryAttempts: 2 })],
    });
    this.functions = functions;

    if (unmet.size)
      Annotations.of(this).addWarningV2(
        'junction:messaging-setting',
        `Context ${[...unmet].map((s) => `"junction:${s}"`).join(', ')} is not set: webhook notices to endpoint ` +
          'owners fail (see docs/deploying.md)',
      );
    for (const [name, queue] of queues)
      new CfnOutput(this, `${pascalCase(name)}DeadLettersUrl`, {
        value: queue.deadLetterQueue?.queue.queueUrl ?? '',
        description: `The ${name} queue's dead-letter queue`,
      });
  }
}
