/**
 * The one polling helper of the tests: wait until a condition holds, with a deadline, and
 * fail naming what did not happen. Prefer waiting on an event where there is one; poll
 * only what has no event (a count on the server, a file, another process).
 */

/** How {@link waitFor} polls. */
export interface WaitOptions {
  /** Give up after this long, ms. @default 5000 */
  readonly timeoutMs?: number;
  /** Pause between checks, ms; 0 checks again on the next turn of the event loop. @default 10 */
  readonly intervalMs?: number;
  /** Treat a check that throws as "not yet" (a server still starting). @default false */
  readonly retryErrors?: boolean;
}

/** Resolves once `check` answers true; rejects with "timed out ... waiting for `what`" past the deadline. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 10, retryErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (!retryErrors) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => (intervalMs === 0 ? setImmediate(resolve) : setTimeout(resolve, intervalMs)));
  }
}
