/**
 * The events stack as deployed: every queue of functions/queues.ts with its dead-letter queue and
 * alarms, a visibility timeout at least six times its consumer's timeout, consumers that report
 * batch item failures, the stream consumer fed only new audit entries, the sweeper on a schedule,
 * and webhook secrets reached through SSM — never through the environment.
 */
import type { Role } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, STREAM_CONSUMER, SWEEPER } from '#functions/queues';
import {
  actionsOf,
  type CfnResourceJson,
  logicalIdOf,
  type Synthesized,
  statementsOfRole,
  synthesize,
  variablesOf,
} from './support/synth.ts';

describe('the events stack', () => {
  let synthesized: Synthesized;
  let resources: Record<string, CfnResourceJson>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const functionOf = (handler: string) => {
    const fn = synthesized.events.functions.get(handler);
    if (!fn) throw new Error(`no function for ${handler}`);
    return { fn, resource: resources[logicalIdOf(fn)] as CfnResourceJson };
  };

  beforeAll(() => {
    synthesized = synthesize({ bundle: false });
    resources = synthesized.eventsTemplate.toJSON().Resources;
  });
  afterAll(() => synthesized?.cleanUp());

  it('gives every queue a dead-letter queue, encryption, TLS only, and a visibility of six consumer timeouts', () => {
    for (const design of Object.values(QUEUES)) {
      const queue = synthesized.events.queues.get(design.name);
      expect(queue, design.name).toBeDefined();
      const props = resources[logicalIdOf(queue as never)]?.Properties ?? {};
      expect(props.VisibilityTimeout, design.name).toBe(design.timeoutSeconds * 6);
      expect(props.SqsManagedSseEnabled, design.name).toBe(true);
      expect((props.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(
        design.maxReceiveCount,
      );
      const { resource } = functionOf(design.consumer);
      expect(resource.Properties?.Timeout, design.consumer).toBe(design.timeoutSeconds);
    }
    const policies = ofType('AWS::SQS::QueuePolicy').map(([, p]) => JSON.stringify(p.Properties));
    // Each queue and dead-letter queue, and the stream's: all refuse plain HTTP.
    expect(policies).toHaveLength(Object.keys(QUEUES).length * 2 + 1);
    expect(policies.every((p) => p.includes('aws:SecureTransport'))).toBe(true);
  });

  it('alarms on anything in a dead-letter queue and on a queue falling behind', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    const dlqAlarms = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    // One per queue's dead-letter queue, and one for the stream consumer's.
    expect(dlqAlarms).toHaveLength(Object.keys(QUEUES).length + 1);
    for (const alarm of dlqAlarms)
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarms.filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage')).toHaveLength(
      Object.keys(QUEUES).length,
    );
  });

  it('feeds each queue’s consumer with partial batch responses', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties ?? {});
    for (const design of Object.values(QUEUES)) {
      const { fn } = functionOf(design.consumer);
      const mapping = mappings.find((m) => JSON.stringify(m.FunctionName).includes(logicalIdOf(fn)));
      expect(mapping, design.consumer).toMatchObject({
        BatchSize: design.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('feeds the stream consumer only new audit entries, bisecting and setting aside what keeps failing', () => {
    const { fn } = functionOf(STREAM_CONSUMER.handler);
    const mapping = ofType('AWS::Lambda::EventSourceMapping')
      .map(([, m]) => m.Properties ?? {})
      .find((m) => JSON.stringify(m.FunctionName).includes(logicalIdOf(fn)));
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const pattern = JSON.parse(
      (mapping?.FilterCriteria as { Filters: { Pattern: string }[] } | undefined)?.Filters[0]?.Pattern ??
        '{}',
    );
    expect(pattern).toEqual({
      eventName: ['INSERT'],
      dynamodb: { Keys: { sk: { S: [{ prefix: 'AUDIT#' }] } } },
    });
    expect(JSON.stringify(mapping?.DestinationConfig)).toContain('RecordStreamDeadLetters');
  });

  it('runs the sweeper every minute', () => {
    const [[, rule]] = ofType('AWS::Events::Rule') as [[string, CfnResourceJson]];
    expect(rule.Properties?.ScheduleExpression).toBe(`rate(${SWEEPER.everyMinutes} minute)`);
    expect(JSON.stringify(rule.Properties?.Targets)).toContain(logicalIdOf(functionOf(SWEEPER.handler).fn));
  });

  it('keeps webhook secrets out of every environment: functions get the SSM path and a grant under it', () => {
    for (const [handler, fn] of synthesized.events.functions) {
      const variables = variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson);
      expect(JSON.stringify(variables), handler).not.toMatch(/whsec_|SECRET"?:\s*"[^/]/);
    }
    const { fn } = functionOf('webhooks/deliver');
    expect(variablesOf(resources[logicalIdOf(fn)] as CfnResourceJson)).toMatchObject({
      WEBHOOK_SECRET_PREFIX: '/junction/webhooks',
      WEBHOOK_EMAIL_FROM: 'webhooks@mail.example.com',
    });
    const statements = statementsOfRole(synthesized.eventsTemplate, logicalIdOf(fn.role as Role));
    const ssm = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('ssm:')));
    expect(actionsOf(ssm)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(ssm[0]?.Resource)).toContain('parameter/junction/webhooks/*');
    const manage = synthesized.events.routeFunctions.get('webhooks/manage');
    const manageSsm = actionsOf(
      statementsOfRole(synthesized.eventsTemplate, logicalIdOf(manage?.role as Role)).filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('ssm:')),
      ),
    ).sort();
    expect(manageSsm).toEqual(['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter']);
  });

  it('lets only the declared producers send to each queue', () => {
    for (const design of Object.values(QUEUES)) {
      const queue = synthesized.events.queues.get(design.name);
      const queueId = logicalIdOf(queue as never);
      const senders = [...synthesized.events.functions].filter(([, fn]) =>
        statementsOfRole(synthesized.eventsTemplate, logicalIdOf(fn.role as Role)).some(
          (s) => actionsOf([s]).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(queueId),
        ),
      );
      expect(senders.map(([h]) => h).sort(), design.name).toEqual(
        [...design.producers].filter((p) => synthesized.events.functions.has(p)).sort(),
      );
    }
  });
});
