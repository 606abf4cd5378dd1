/**
 * One load phase through autocannon's programmatic API. Throughput is counted from 2xx
 * answers over the phase's wall time, so errors never inflate it; anything else is reported
 * so a row with failures is visible as such.
 */
import autocannon from 'autocannon';

/** What one phase sends. */
export interface LoadSpec {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly connections: number;
  /** Run for this long... */
  readonly seconds?: number;
  /** ...or until this many requests were answered. */
  readonly amount?: number;
  /** A request sequence each connection cycles through (autocannon's `requests`), e.g. lease then ack. */
  readonly requests?: autocannon.Request[];
}

/** What one phase measured. */
export interface LoadResult {
  /** 2xx answers per second of wall time; coarse for `amount` phases (autocannon ends them on a 1 s tick). */
  readonly rps: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Latency percentiles, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  /** Status codes seen, e.g. `{ 200: 1000, 204: 3 }`. */
  readonly statuses: Record<string, number>;
}

/** Runs one phase and resolves with its figures. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const started = performance.now();
  const result = await autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    connections: spec.connections,
    pipelining: 1,
    ...(spec.amount === undefined ? { duration: spec.seconds ?? 5 } : { amount: spec.amount }),
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(spec.headers === undefined ? {} : { headers: spec.headers }),
    ...(spec.requests === undefined ? {} : { requests: spec.requests }),
    timeout: 10,
  });
  // Wall time: autocannon's own duration is coarse when a phase is bounded by `amount`.
  const seconds = (performance.now() - started) / 1000;
  const statuses: Record<string, number> = {};
  const raw: unknown = (result as unknown as { statusCodeStats?: unknown }).statusCodeStats;
  if (typeof raw === 'object' && raw !== null) {
    for (const [code, stat] of Object.entries(raw)) {
      const count: unknown = (stat as { count?: unknown }).count;
      if (typeof count === 'number') statuses[code] = count;
    }
  }
  const ok = result['2xx'];
  return {
    rps: seconds > 0 ? ok / seconds : 0,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    statuses,
  };
}

/** `p50 1.2 ms, p99 4.0 ms` plus any failures, for a row's note. */
export function describeLoad(r: LoadResult): string {
  const parts = [`p50 ${r.p50.toFixed(1)} ms`, `p99 ${r.p99.toFixed(1)} ms`];
  if (r.non2xx > 0) parts.push(`${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}`);
  if (r.errors > 0) parts.push(`${r.errors} errors`);
  return parts.join(', ');
}
