/**
 * Slows down password and token guessing: each address may fail authentication
 * {@link FAILURE_LIMIT} times per {@link FAILURE_WINDOW_MS}; past that, its requests that
 * carry credentials are refused with 429 until the window ends. Memory is bounded: the
 * table keeps at most {@link MAX_TRACKED_ADDRESSES} addresses, dropping the oldest.
 */

/** Failed authentications allowed per address and window. */
export const FAILURE_LIMIT = 10;
/** The window, ms. */
export const FAILURE_WINDOW_MS = 60_000;
/** Addresses tracked at once. */
export const MAX_TRACKED_ADDRESSES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

/** Per-address failure counts over fixed windows. */
export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds the address must wait before trying again, or 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const w = this.current(address);
    if (w === undefined || w.failures < FAILURE_LIMIT) return 0;
    return Math.max(1, Math.ceil((w.startedAt + FAILURE_WINDOW_MS - this.now()) / 1000));
  }

  /** Counts one failed authentication; returns the failures in the current window. */
  fail(address: string): number {
    let w = this.current(address);
    if (w === undefined) {
      if (this.windows.size >= MAX_TRACKED_ADDRESSES) {
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
      w = { startedAt: this.now(), failures: 0 };
      this.windows.set(address, w);
    }
    w.failures += 1;
    return w.failures;
  }

  private current(address: string): Window | undefined {
    const w = this.windows.get(address);
    if (w !== undefined && this.now() - w.startedAt >= FAILURE_WINDOW_MS) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }
}
