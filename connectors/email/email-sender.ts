/** The port flows send email through; adapters deliver it (SES on AWS and locally). */

export interface EmailMessage {
  to: string[];
  subject: string;
  /** Both parts always: some clients and many phones show only text. */
  html: string;
  text: string;
  replyTo?: string[];
  /** Extra headers, e.g. List-Unsubscribe for one-click unsubscribe (RFC 8058). */
  headers?: Record<string, string>;
  /** Tags for the provider's event stream (bounces, complaints), e.g. { flow: 'quote-approval' }. */
  tags?: Record<string, string>;
  /** Files sent with the message (an invoice's PDF); base64, so the message stays JSON for the outbox. */
  attachments?: EmailAttachment[];
}

export interface EmailAttachment {
  filename: string;
  contentType: string;
  base64: string;
}

export interface SentEmail {
  messageId: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<SentEmail>;
}
