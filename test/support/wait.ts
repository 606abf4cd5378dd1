/**
 * The one polling helper of the tests: wait until a condition holds, with a deadline, and
 * fail naming what did not happen. Prefer waiting on an event where there is one; poll
 * only what has no event (a count on the server, a file, another process, a peer that is
 * restarting).
 */

/** How {@link waitFor} polls. */
export interface WaitOptions {
  /** Give up after this long, ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Pause between checks, ms; 0 checks again on the next turn of the event loop. @default 20 */
  readonly intervalMs?: number;
  /**
   * Treat a check that throws as "not yet" (a server still starting); the last error is
   * named in the timeout message. False makes the first throw fail the wait. @default true
   */
  readonly retryErrors?: boolean;
}

/**
 * Resolves once `check` answers true; rejects with "timed out ... waiting for `what`" past
 * the deadline. A number as `options` is the timeout, ms.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, options: WaitOptions | number = {}): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 20, retryErrors = true } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (!retryErrors) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last check threw: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise<void>((resolve) => (intervalMs === 0 ? setImmediate(resolve) : setTimeout(resolve, intervalMs)));
  }
}
