/**
 * When a failed delivery is tried again. Nine attempts over about 37 hours: at once, then after
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h and 10 h, each delay ±10 % at random so endpoints
 * coming back from an outage are not hit by every retry in the same second. Throttled attempts
 * (429, 503) do not count: they wait as long as the receiver asks (Retry-After) and keep their turn.
 */

export const RETRY_DELAYS_SECONDS = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** A throttled delivery waits this long when the receiver does not say (Retry-After absent or bad). */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;
/** And never longer than this, whatever it says. */
export const MAX_RETRY_AFTER_SECONDS = 3_600;

/** An endpoint failing this long, with no success between, is disabled. */
export const DISABLE_AFTER_FAILING_SECONDS = 5 * 86_400;

/** Seconds before the next attempt after `attempts` counted ones, or undefined when they are spent. */
export function nextDelaySeconds(attempts: number, random: () => number = Math.random): number | undefined {
  const base = RETRY_DELAYS_SECONDS[attempts - 1];
  if (base === undefined) return undefined;
  return base * (0.9 + 0.2 * random());
}

/** What a `Retry-After` header asks, in seconds: a number of seconds or an HTTP date. */
export function retryAfterSeconds(header: string | undefined, now: Date): number {
  if (!header) return DEFAULT_RETRY_AFTER_SECONDS;
  const trimmed = header.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_SECONDS;
    seconds = (at - now.getTime()) / 1000;
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}
