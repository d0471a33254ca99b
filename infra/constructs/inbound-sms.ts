/**
 * Where SMS replies arrive: an SNS topic that AWS End User Messaging SMS publishes a phone
 * number's incoming messages to (two-way SMS), with the handler subscribed. Nothing is lost on
 * the way: SNS retries delivery to the function, Lambda retries a failed invocation twice, and
 * what still fails lands in a dead-letter queue kept for 14 days, from which it can be sent again.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The service that publishes a phone number's incoming messages to SNS. */
const SMS_SERVICE = 'sms-voice.amazonaws.com';

export interface InboundSmsProps {
  /** The function every incoming message is delivered to. */
  readonly handler: IFunction;
}

export class InboundSms extends Construct {
  readonly topic: Topic;
  readonly deadLetters: Queue;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: InboundSmsProps) {
    super(scope, id);
    const account = Stack.of(this).account;

    // A customer-managed key, because SNS's AWS-managed key cannot be shared: End User Messaging
    // SMS must be allowed to encrypt what it publishes. Messages carry phone numbers.
    this.key = new Key(this, 'Key', {
      description: 'Encrypts SMS replies on the inbound SMS topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(SMS_SERVICE)],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Junction inbound SMS',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(SMS_SERVICE)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination, for SNS deliveries and for failed asynchronous ' +
        'invocations of the inbound SMS function; a dead-letter queue of its own would only move the problem.',
    });

    // SNS → Lambda is an asynchronous invocation: a failing handler is retried twice by Lambda,
    // then its event goes to the queue; a message SNS cannot deliver at all goes there too.
    props.handler.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters),
    });
    this.topic.addSubscription(new LambdaSubscription(props.handler, { deadLetterQueue: this.deadLetters }));
  }
}
