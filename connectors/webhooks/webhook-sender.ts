/** The port outbound webhooks are posted through; the adapter guards where they may go. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type WebhookResponse =
  | { kind: 'answered'; status: number; headers: Record<string, string>; excerpt: string; latencyMs: number }
  /** Never sent: the address is not one webhooks may reach. */
  | { kind: 'refused'; error: string; latencyMs: number }
  /** Sent, or tried, with no answer: timeout, reset, DNS failure. */
  | { kind: 'failed'; error: string; latencyMs: number };

export interface WebhookSender {
  post(request: WebhookRequest): Promise<WebhookResponse>;
}
