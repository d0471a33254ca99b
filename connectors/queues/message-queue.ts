/** The port work is queued through: SQS on AWS, the SQS stand-in locally. */
export interface QueuedMessage {
  body: string;
  /** Whole seconds before it may be received, at most 900 (SQS's limit). */
  delaySeconds?: number;
}

export interface MessageQueue {
  send(messages: readonly QueuedMessage[]): Promise<void>;
}

/** SQS's longest message delay: anything later is the sweeper's. */
export const MAX_DELAY_SECONDS = 900;
