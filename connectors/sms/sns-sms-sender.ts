/**
 * Sends SMS through SNS Publish to a phone number. A number that replied STOP is opted out at
 * SNS; publishing to it silently delivers nothing, so the adapter checks first and reports it,
 * letting the flow fall back to email and record why.
 */
import { CheckIfPhoneNumberIsOptedOutCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '#platform/observability';
import type { SmsMessage, SmsResult, SmsSender } from './sms-sender.ts';

export interface SnsSmsSenderOptions {
  /** Shown as the sender where carriers allow it. */
  senderId?: string;
  client?: SNSClient;
}

export class SnsSmsSender implements SmsSender {
  private readonly client: SNSClient;

  constructor(private readonly options: SnsSmsSenderOptions = {}) {
    // Traced by default, like every AWS client the functions use.
    this.client = options.client ?? tracer.captureAWSv3Client(new SNSClient({}));
  }

  async send(message: SmsMessage): Promise<SmsResult> {
    const optOut = await this.client.send(
      new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: message.to }),
    );
    if (optOut.isOptedOut) return { sent: false, reason: 'opted-out' };
    const result = await this.client.send(
      new PublishCommand({
        PhoneNumber: message.to,
        Message: message.body,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: message.kind },
          ...(this.options.senderId
            ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: this.options.senderId } }
            : {}),
        },
      }),
    );
    if (!result.MessageId) throw new Error('SNS accepted the message but returned no MessageId');
    return { sent: true, messageId: result.MessageId };
  }
}
