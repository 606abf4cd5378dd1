/**
 * Logs a store outage as two lines, not one per request: a warning when the first request
 * is refused with `store_unavailable` (with what the driver said, once), and one when the
 * store answers again, with how many requests were refused in between. While the outage
 * lasts, a probe pings the store every {@link PROBE_MS} to notice its end even when no
 * request comes.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { RestMQError } from '../core/errors.js';

/** How often the store is pinged while it is out, ms. */
export const PROBE_MS = 500;

declare module 'fastify' {
  interface FastifyInstance {
    /** Where answers of `store_unavailable` are counted instead of logged one by one. */
    storeOutage: StoreOutageLog;
  }
}

/** The outage state of one server's store, as its answers show it. */
export class StoreOutageLog {
  private refusedCount = 0;
  private since: number | null = null;
  private probe: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly log: FastifyBaseLogger,
    /** Resolves when the store answers. */
    private readonly ping: () => Promise<void>,
    private readonly probeMs = PROBE_MS,
  ) {}

  /** Counts one refused request (or WebSocket command); the first of an outage is logged. */
  refused(err: RestMQError): void {
    this.refusedCount++;
    if (this.since !== null || this.closed) return;
    this.since = Date.now();
    this.log.warn({ cause: describeCause(err.cause) }, 'store unavailable: answering 503 store_unavailable until it is back');
    this.schedule();
  }

  /** Stops probing (server shutdown). */
  close(): void {
    this.closed = true;
    if (this.probe !== null) clearTimeout(this.probe);
    this.probe = null;
  }

  private schedule(): void {
    if (this.closed) return;
    this.probe = setTimeout(() => {
      this.ping().then(
        () => this.ended(),
        () => this.schedule(),
      );
    }, this.probeMs);
    this.probe.unref();
  }

  private ended(): void {
    if (this.since === null) return;
    this.log.warn({ refused: this.refusedCount, ms: Date.now() - this.since }, 'store available again');
    this.since = null;
    this.refusedCount = 0;
    this.probe = null;
  }
}

/** The driver's message (and code) without a stack: one short field for the log line. */
function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (!(cause instanceof Error)) return typeof cause === 'string' ? cause : JSON.stringify(cause);
  const code = (cause as Error & { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
}
