/**
 * How long the order-to-cash flow waits before it looks at the ERP (shipments) or the ledger
 * (payment) again: an hour after something changed, then twice as long after each look that
 * found nothing, up to a day. An order that ships in three days is looked at about ten times,
 * not seventy-two; every look costs three state transitions.
 */
export const FIRST_POLL_SECONDS = 3600;
export const MAX_POLL_SECONDS = 24 * 3600;

export const nextPollSeconds = (current: number, progressed: boolean): number =>
  progressed ? FIRST_POLL_SECONDS : Math.min(MAX_POLL_SECONDS, Math.max(FIRST_POLL_SECONDS, current * 2));
