/**
 * One load phase, driven by `wrk` in a process of its own (the default) or by autocannon's
 * programmatic API in the bench process (request counts, which wrk cannot bound, and
 * autocannon request sequences). Throughput is counted from 2xx answers over the phase's time, so errors
 * never inflate it; anything else is reported so a row with failures is visible as such.
 * Every phase also records the load average and the CPU split (see host.ts).
 */
import autocannon from 'autocannon';
import { describeHost, reapedChildrenCpuSeconds, watchPhase } from './host.js';
import type { PhaseHost, Watched } from './host.js';
import { runWrk } from './wrk.js';

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
  /** wrk only: Lua defining `request()` and `on_response()` for requests that depend on answers (see wrk.ts). */
  readonly wrkLua?: string;
  /** `wrk` (the default) or `autocannon`; `requests` and `amount` need autocannon. */
  readonly generator?: 'wrk' | 'autocannon';
  /** Processes whose CPU time the phase reports, e.g. the daemon and its redis-server. */
  readonly watch?: readonly Watched[];
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
  /** wrk phases with extra Lua: answers by the tag its `on_response` returned; empty otherwise. */
  readonly tags: Record<string, number>;
  /** Which program generated the load. */
  readonly generator: 'wrk' | 'autocannon';
  /** Load average and CPU split of the phase. */
  readonly host: PhaseHost;
}

/** Runs one phase and resolves with its figures. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const generator = spec.generator ?? 'wrk';
  if (generator === 'autocannon') return runAutocannon(spec);
  if (spec.requests !== undefined || spec.amount !== undefined) throw new Error('wrk phases run for a time and send one request: use generator autocannon for `requests` or `amount`');
  const watch = watchPhase(spec.watch ?? []);
  const reapedBefore = reapedChildrenCpuSeconds();
  const { result } = await runWrk({
    url: spec.url,
    method: spec.method ?? 'GET',
    connections: spec.connections,
    seconds: spec.seconds ?? 5,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(spec.headers === undefined ? {} : { headers: spec.headers }),
    ...(spec.wrkLua === undefined ? {} : { lua: spec.wrkLua }),
  });
  const reapedAfter = reapedChildrenCpuSeconds();
  const host = watch.finish({ label: 'wrk', seconds: reapedBefore === null || reapedAfter === null ? null : reapedAfter - reapedBefore });
  let ok = 0;
  let non2xx = 0;
  for (const [code, count] of Object.entries(result.statuses)) {
    if (code.startsWith('2')) ok += count;
    else non2xx += count;
  }
  return {
    rps: result.seconds > 0 ? ok / result.seconds : 0,
    ok,
    non2xx,
    errors: result.errors + result.timeouts,
    timeouts: result.timeouts,
    p50: result.p50,
    p99: result.p99,
    mean: result.mean,
    statuses: result.statuses,
    tags: result.tags,
    generator,
    host,
  };
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const watch = watchPhase(spec.watch ?? []);
  const cpuBefore = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuBefore);
  // autocannon runs in the bench process: its CPU is the bench process's over the phase.
  const host = watch.finish({ label: 'autocannon', seconds: (cpu.user + cpu.system) / 1e6 });
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
    tags: {},
    generator: 'autocannon',
    host,
  };
}

/** `wrk: p50 1.2 ms, p99 4.0 ms` plus any failures, then the load average and CPU split, for a row's note. */
export function describeLoad(r: LoadResult): string {
  const parts = [`${r.generator}: p50 ${r.p50.toFixed(1)} ms`, `p99 ${r.p99.toFixed(1)} ms`];
  if (r.non2xx > 0) parts.push(`${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}`);
  if (r.errors > 0) parts.push(`${r.errors} errors`);
  return `${parts.join(', ')}; ${describeHost(r.host)}`;
}
