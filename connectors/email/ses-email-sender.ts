/**
 * Sends email through SES v2. The endpoint comes from AWS_ENDPOINT_URL_SESV2 when set (the local
 * hub points it at the SES stand-in), so this adapter is the same everywhere.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { tracer } from '#platform/observability';
import type { EmailMessage, EmailSender, SentEmail } from './email-sender.ts';

export interface SesEmailSenderOptions {
  from: string;
  configurationSet?: string;
  client?: SESv2Client;
}

/** SES message tags allow letters, digits, `_` and `-` only. */
const tagSafe = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

export class SesEmailSender implements EmailSender {
  private readonly client: SESv2Client;

  constructor(private readonly options: SesEmailSenderOptions) {
    // Traced by default, like every AWS client the functions use.
    this.client = options.client ?? tracer.captureAWSv3Client(new SESv2Client({}));
  }

  async send(message: EmailMessage): Promise<SentEmail> {
    if (message.to.length === 0) throw new Error('an email needs at least one recipient');
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.options.from,
        Destination: { ToAddresses: message.to },
        ...(message.replyTo?.length ? { ReplyToAddresses: message.replyTo } : {}),
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Html: { Data: message.html, Charset: 'UTF-8' },
              Text: { Data: message.text, Charset: 'UTF-8' },
            },
            ...(message.headers
              ? { Headers: Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value })) }
              : {}),
            ...(message.attachments?.length
              ? {
                  Attachments: message.attachments.map((a) => ({
                    FileName: a.filename,
                    ContentType: a.contentType,
                    ContentDisposition: 'ATTACHMENT' as const,
                    RawContent: Buffer.from(a.base64, 'base64'),
                  })),
                }
              : {}),
          },
        },
        ...(this.options.configurationSet ? { ConfigurationSetName: this.options.configurationSet } : {}),
        ...(message.tags
          ? {
              EmailTags: Object.entries(message.tags).map(([Name, Value]) => ({
                Name: tagSafe(Name),
                Value: tagSafe(Value),
              })),
            }
          : {}),
      }),
    );
    if (!result.MessageId) throw new Error('SES accepted the message but returned no MessageId');
    return { messageId: result.MessageId };
  }
}
