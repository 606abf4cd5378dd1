/**
 * Failures of a store's background work (maintenance passes, best-effort bookkeeping after
 * an operation that already succeeded). They must not fail a request, and they must not
 * vanish: each is logged at warn, at most once a minute per kind of work, with the count
 * of failures left unlogged since, so a Redis that is down for an hour writes sixty lines
 * per kind and not one per pass. Requests and /readyz still report an outage themselves.
 */

/** The slice of a logger a store uses (pino's `warn(object, message)`). */
export interface StoreLog {
  warn(details: object, message: string): void;
}

/** Shortest pause between two lines for the same kind of work, ms. */
export const WARN_INTERVAL_MS = 60_000;

/** Rate-limited warn lines for background failures, per kind of work. */
export class BackgroundFailures {
  private readonly last = new Map<string, { at: number; unlogged: number }>();

  constructor(
    private readonly log: StoreLog | undefined,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = WARN_INTERVAL_MS,
  ) {}

  /** Records that `work` failed with `err`; logs it unless a line for `work` went out within the interval. */
  failed(work: string, err: unknown): void {
    const now = this.now();
    const seen = this.last.get(work);
    if (seen !== undefined && now - seen.at < this.intervalMs) {
      seen.unlogged += 1;
      return;
    }
    const reason = err instanceof Error ? err.message : String(err);
    // The reason, not the error: an outage is not a bug, and its stack says nothing (nor floods).
    this.log?.warn({ work, reason, unloggedSince: seen?.unlogged ?? 0 }, `store ${work} failed (retried later): ${reason}`);
    this.last.set(work, { at: now, unlogged: 0 });
  }

  /** A rejection handler for `promise.catch(...)`: records the failure and resolves. */
  handler(work: string): (err: unknown) => void {
    return (err) => this.failed(work, err);
  }
}
