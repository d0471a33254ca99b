/**
 * Inbound SMS as AWS delivers it: two-way SMS (End User Messaging) publishes each reply to an SNS
 * topic as a JSON message, and SNS invokes the subscribed function with an SNS event. The hub
 * builds the same event for each reply to the SMS stand-in, so the inbound function cannot tell
 * the difference.
 */
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './lambda.ts';
import type { InboundSms } from './sns-local.ts';

/** The number approval SMS come from locally; replies are addressed to it. */
export const LOCAL_SMS_NUMBER = '+15550100000';
export const INBOUND_SMS_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:junction-inbound-sms`;

export function inboundSmsEvent(sms: InboundSms): SNSEvent {
  const messageId = randomUUID();
  const subscription = `${INBOUND_SMS_TOPIC_ARN}:${randomUUID()}`;
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscription,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: sms.at,
          Signature: 'local',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/local.pem',
          MessageId: messageId,
          Message: JSON.stringify({
            originationNumber: sms.from,
            destinationNumber: LOCAL_SMS_NUMBER,
            messageKeyword: 'KEYWORD_000000000000',
            messageBody: sms.body,
            inboundMessageId: randomUUID(),
            previousPublishedMessageId: null,
          }),
          MessageAttributes: {},
          Type: 'Notification',
          UnsubscribeUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription}`,
          TopicArn: INBOUND_SMS_TOPIC_ARN,
          Subject: '',
        },
      },
    ],
  };
}
