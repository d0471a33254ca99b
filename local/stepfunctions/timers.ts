/**
 * Time the engine controls: every duration a definition declares (Wait, TimeoutSeconds,
 * HeartbeatSeconds, retry intervals, the execution timeout) passes `timeScale` times faster, so
 * a one-hour Wait takes one second at scale 3600. Deadlines are kept as absolute epoch
 * milliseconds, which is what survives a restart.
 */
import { RunCancelled } from './task-errors.ts';

/** Node's timers take at most 2^31-1 ms; longer sleeps are chained. */
const MAX_TIMER_MS = 2_147_483_647;

export function timeScaleFrom(value: number | string | undefined): number {
  if (value === undefined || value === '') return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0)
    throw new Error(
      `JUNCTION_TIME_SCALE must be a positive number (e.g. 3600 for an hour a second), got '${value}'`,
    );
  return scale;
}

/** Milliseconds of real time for a declared number of seconds. */
export const scaledMs = (seconds: number, timeScale: number) => (seconds * 1000) / timeScale;

/** Resolves at `at` (epoch ms); rejects with RunCancelled if the signal aborts first. */
export function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled());
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunCancelled());
    };
    const arm = () => {
      const remaining = at - Date.now();
      if (remaining <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** A deadline that can be moved (heartbeats) and cancelled; calls `onDue` once when it passes. */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private at = Number.POSITIVE_INFINITY;

  constructor(private readonly onDue: () => void) {}

  set(at: number | undefined) {
    clearTimeout(this.timer);
    this.at = at ?? Number.POSITIVE_INFINITY;
    if (at !== undefined) this.arm();
  }

  cancel() {
    clearTimeout(this.timer);
    this.at = Number.POSITIVE_INFINITY;
  }

  private arm() {
    const remaining = this.at - Date.now();
    if (remaining <= 0) {
      this.at = Number.POSITIVE_INFINITY;
      this.onDue();
      return;
    }
    this.timer = setTimeout(() => this.arm(), Math.min(remaining, MAX_TIMER_MS));
  }
}
