import { describe, expect, it } from 'vitest';
import { FIRST_POLL_SECONDS, MAX_POLL_SECONDS, nextPollSeconds } from '#functions/orders/domain/polling';

describe('how long the order flow waits before looking again', () => {
  it('doubles after each look that found nothing, up to a day, and starts over after news', () => {
    const waits: number[] = [];
    let wait = FIRST_POLL_SECONDS;
    for (let i = 0; i < 8; i++) {
      waits.push(wait);
      wait = nextPollSeconds(wait, false);
    }
    expect(waits.map((s) => s / 3600)).toEqual([1, 2, 4, 8, 16, 24, 24, 24]);
    expect(nextPollSeconds(MAX_POLL_SECONDS, true)).toBe(FIRST_POLL_SECONDS);
  });

  it('looks about ten times at an order that ships in three days, not seventy-two', () => {
    let elapsed = 0;
    let looks = 0;
    let wait = FIRST_POLL_SECONDS;
    while (elapsed < 72 * 3600) {
      elapsed += wait;
      looks++;
      wait = nextPollSeconds(wait, false);
    }
    expect(looks).toBeLessThanOrEqual(10);
  });
});
