/**
 * `npm run bench:profile-rows [-- --seconds N]`: where each HTTP row's extra time goes.
 * Per store (SQLite `--sync full`, Redis without persistence) one daemon runs under
 * `node --cpu-prof`; wrk drives `/healthz`, publish, pop and batch publish in turn; the
 * table gives the daemon's main-thread time per request by area (sampled self time inside
 * each phase's window, idle left out: a synchronous fsync counts, since it holds the
 * thread) and the difference from `/healthz`. The profiler slows the daemon, so
 * the rates here are not the bench's figures; the split is what this is for.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCliServer } from '../test/support/cli-server.js';
import { startRedis } from '../test/support/redis.js';
import type { RedisProcess } from '../test/support/redis.js';
import { fillRedisQueue, fillSqliteQueue } from './lib/fill.js';
import { runLoad } from './lib/load.js';
import type { LoadSpec } from './lib/load.js';
import { areaTimes, nowUs } from './lib/profile-window.js';
import type { AreaTimes, Window } from './lib/profile-window.js';
import { ensureWrk } from './lib/wrk.js';
import { PAYLOAD, POP_QUEUE, routeLoads } from './suites/http.js';
import { batchPublishLoad } from './suites/reliable.js';

interface Measured {
  readonly label: string;
  readonly rps: number;
  readonly ok: number;
  readonly times: AreaTimes;
}

/** Runs the four phases on one store and returns each with its CPU by area. */
async function profileStore(store: 'sqlite' | 'redis', seconds: number): Promise<Measured[]> {
  const root = mkdtempSync(join(tmpdir(), 'restmq-profile-rows-'));
  let redis: RedisProcess | null = null;
  try {
    if (store === 'redis') redis = await startRedis();
    const dataDir = join(root, 'data');
    const profiles = join(root, 'profiles');
    const prefill = 60_000 * seconds;
    if (redis === null) await fillSqliteQueue(dataDir, POP_QUEUE, prefill, PAYLOAD);
    else await fillRedisQueue(redis.port, POP_QUEUE, prefill, PAYLOAD);
    const extraArgs = redis === null ? [] : ['--redis', redis.url];
    const server = await startCliServer({ dataDir, sync: 'full', extraArgs, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profiles] });
    const windows: Window[] = [];
    const results: { label: string; rps: number; ok: number }[] = [];
    try {
      const loads = routeLoads(server.url, 50, seconds);
      const phases: [string, LoadSpec][] = [
        ['GET /healthz', loads.healthz],
        ['publish POST /q', loads.publish],
        ['pop GET /q', loads.pop],
        ['batch publish (100 per request)', batchPublishLoad(server.url, 50, seconds)],
      ];
      for (const [, spec] of phases) await runLoad({ ...spec, seconds: 1 }); // warm-up, outside every window
      for (const [label, spec] of phases) {
        const fromUs = nowUs();
        const r = await runLoad(spec);
        windows.push({ label, fromUs, toUs: nowUs() });
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${store} ${label}: ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
        results.push({ label, rps: r.rps, ok: r.ok });
        process.stderr.write(`[profile-rows] ${store} ${label}: ${Math.round(r.rps)} req/s under the profiler\n`);
      }
    } finally {
      await server.stop();
    }
    const file = readdirSync(profiles).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('the daemon wrote no .cpuprofile');
    const times = areaTimes(join(profiles, file), windows);
    return results.map((r) => ({ ...r, times: times.get(r.label) ?? { areas: new Map(), functions: new Map() } }));
  } finally {
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** µs per request of `area` in `m`. */
function perRequest(m: Measured, area: string | null): number {
  if (m.ok === 0) return 0;
  const total = area === null ? [...m.times.areas.values()].reduce((a, b) => a + b, 0) : (m.times.areas.get(area) ?? 0);
  return total / m.ok;
}

/** One markdown table per store: rows are phases, columns the biggest areas, µs per request. */
function render(store: string, rows: readonly Measured[]): string {
  const sums = new Map<string, number>();
  for (const r of rows) for (const [a, t] of r.times.areas) sums.set(a, (sums.get(a) ?? 0) + t / Math.max(1, r.ok));
  const areas = [...sums.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([a]) => a);
  const base = rows[0];
  const lines = [
    `| ${store} row | req/s (profiled) | main thread µs/req | vs /healthz | ${areas.join(' | ')} | other |`,
    `| --- | ---: | ---: | ---: | ${areas.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const r of rows) {
    const total = perRequest(r, null);
    const shown = areas.reduce((sum, a) => sum + perRequest(r, a), 0);
    const extra = base === undefined || r === base ? '' : `+${Math.round(total - perRequest(base, null))}`;
    lines.push(`| ${r.label} | ${Math.round(r.rps)} | ${Math.round(total)} | ${extra} | ${areas.map((a) => Math.round(perRequest(r, a)).toString()).join(' | ')} | ${Math.round(total - shown)} |`);
  }
  lines.push('', `Top functions (${store}), µs per request of main-thread self time:`, '');
  for (const r of rows) {
    const top = [...r.times.functions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
    lines.push(`- ${r.label}: ${top.map(([fn, t]) => `${(t / Math.max(1, r.ok)).toFixed(1)} \`${fn}\``).join(', ')}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--seconds');
  const seconds = at >= 0 ? Number(args[at + 1]) : 5;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds needs a positive number');
  ensureWrk((message) => process.stderr.write(`[profile-rows] ${message}\n`));
  for (const store of ['sqlite', 'redis'] as const) {
    const rows = await profileStore(store, seconds);
    process.stdout.write(`${render(store, rows)}\n\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`profile-rows failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
