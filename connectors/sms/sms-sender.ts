/** The port flows send text messages through; adapters deliver them (SNS on AWS and locally). */

export interface SmsMessage {
  /** E.164. */
  to: string;
  body: string;
  /** Transactional for approvals and alerts (delivered even to numbers with promotional blocks). */
  kind: 'Transactional' | 'Promotional';
}

export type SmsResult = { sent: true; messageId: string } | { sent: false; reason: 'opted-out' };

export interface SmsSender {
  send(message: SmsMessage): Promise<SmsResult>;
}
