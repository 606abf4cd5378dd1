/**
 * `npm run bench:cost [-- --store sqlite|redis] [--seconds N] [--repeats R] [--connections C] [--rows healthz,publish]`:
 * CPU time per request of each HTTP row, the measure to decide optimisations on a shared
 * machine. Wall-clock req/s move with the neighbours' load; the CPU seconds the daemon
 * (and its redis-server) spent per 2xx answer move far less, because time spent waiting
 * for a core is not counted. Per store one daemon (SQLite `--sync full`, or Redis without
 * persistence) is driven by wrk through each phase R times after a warm-up; the table gives
 * the median (and the spread) of daemon CPU µs per request, user + system from
 * `/proc/<pid>/stat`, and on Redis redis-server's too.
 */
import { arg } from './lib/args.js';
import { median } from './lib/stats.js';
import { cpuSeconds } from './lib/host.js';
import { runLoad } from './lib/load.js';
import type { LoadSpec } from './lib/load.js';
import { redisStore, sqliteStore } from './lib/stores.js';
import type { StoreServer, StoreUnderTest } from './lib/stores.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWrk } from './lib/wrk.js';
import { batchAckLoad, LEASE_BATCH } from './suites/acks.js';
import { PAYLOAD, POP_QUEUE, routeLoads } from './suites/http.js';
import { batchPublishLoad, LEASE_QUEUE, leaseAckLoad } from './suites/reliable.js';
import type { BenchContext } from './lib/types.js';

/** One phase's repeated measures. */
interface PhaseCost {
  readonly label: string;
  /** Requests (2xx) per second of each repeat. */
  readonly rps: number[];
  /** Daemon CPU µs per 2xx answer of each repeat. */
  readonly daemonUs: number[];
  /** redis-server CPU µs per 2xx answer of each repeat (Redis only). */
  readonly redisUs: number[];
}

/** The phases measured on one daemon. */
function phases(url: string, connections: number, seconds: number): [string, LoadSpec][] {
  const loads = routeLoads(url, connections, seconds);
  return [
    ['GET /healthz', loads.healthz],
    ['publish POST /q (form, 64 B)', loads.publish],
    ['pop GET /q', loads.pop],
    ['batch publish (100 per request)', batchPublishLoad(url, connections, seconds)],
    ['lease + ack (per request, 2 per message)', leaseAckLoad(url, connections, seconds)],
    [`lease n=${LEASE_BATCH} + batch ack (per request, 2 per ${LEASE_BATCH} messages)`, batchAckLoad(url, LEASE_QUEUE, connections, seconds)],
  ];
}

async function measureStore(store: StoreUnderTest, ctx: BenchContext, seconds: number, repeats: number, connections: number): Promise<PhaseCost[]> {
  const fill = Math.max(200_000, 40_000 * seconds * repeats);
  const server: StoreServer = await store.start(ctx, `cost-${store.name}`, [
    { queue: POP_QUEUE, count: fill, value: PAYLOAD },
    { queue: LEASE_QUEUE, count: fill, value: PAYLOAD },
  ]);
  try {
    const only = arg('rows', '').split(',').filter((w) => w !== '');
    const list = phases(server.url, connections, seconds).filter(([label]) => only.length === 0 || only.some((w) => label.includes(w)));
    for (const [, spec] of list) await runLoad({ ...spec, seconds: 1 }); // JIT warm-up
    const costs: PhaseCost[] = list.map(([label]) => ({ label, rps: [], daemonUs: [], redisUs: [] }));
    for (let r = 0; r < repeats; r++) {
      for (const [i, [label, spec]] of list.entries()) {
        const before = server.processes.map((p) => cpuSeconds(p.pid) ?? 0);
        const result = await runLoad(spec);
        const after = server.processes.map((p) => cpuSeconds(p.pid) ?? 0);
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${store.name} ${label}: ${result.non2xx} non-2xx ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
        const cost = costs[i] as PhaseCost;
        const per = (k: number): number => (((after[k] ?? 0) - (before[k] ?? 0)) * 1e6) / Math.max(1, result.ok);
        cost.rps.push(result.rps);
        cost.daemonUs.push(per(0));
        if (server.processes.length > 1) cost.redisUs.push(per(1));
        process.stderr.write(`[cost] ${store.name} ${label} #${r + 1}: ${Math.round(result.rps)} req/s, daemon ${per(0).toFixed(1)} µs/req, load ${result.host.load1.toFixed(2)}\n`);
      }
    }
    return costs;
  } finally {
    await server.stop();
  }
}

function table(store: string, costs: readonly PhaseCost[]): string {
  const redis = costs.some((c) => c.redisUs.length > 0);
  const head = `| ${store} row | daemon CPU µs/req (median) | range | ${redis ? 'redis-server µs/req | ' : ''}req/s (median) |`;
  const rule = `| --- | ---: | ---: | ${redis ? '---: | ' : ''}---: |`;
  const rows = costs.map((c) => {
    const range = `${Math.min(...c.daemonUs).toFixed(1)}-${Math.max(...c.daemonUs).toFixed(1)}`;
    const redisCell = redis ? `${median(c.redisUs).toFixed(1)} | ` : '';
    return `| ${c.label} | ${median(c.daemonUs).toFixed(1)} | ${range} | ${redisCell}${Math.round(median(c.rps))} |`;
  });
  return [head, rule, ...rows].join('\n');
}

async function main(): Promise<void> {
  const which = arg('store', 'sqlite,redis').split(',');
  const seconds = Number(arg('seconds', '3'));
  const repeats = Number(arg('repeats', '3'));
  const connections = Number(arg('connections', '32'));
  ensureWrk((m) => process.stderr.write(`${m}\n`));
  const root = mkdtempSync(join(tmpdir(), 'restmq-cost-'));
  let n = 0;
  const ctx = {
    quick: false,
    connections,
    seconds,
    log: (m: string) => process.stderr.write(`${m}\n`),
    tempDir: (label: string) => mkdtempSync(join(root, `${label}-${n++}-`)),
  } as unknown as BenchContext;
  try {
    const out: string[] = [];
    for (const name of which) {
      const store = name === 'redis' ? redisStore : sqliteStore;
      out.push(table(store.name, await measureStore(store, ctx, seconds, repeats, connections)));
    }
    process.stdout.write(`wrk -t1 -c${connections}, ${seconds} s per phase, ${repeats} repeats, ${new Date().toISOString()}\n\n${out.join('\n\n')}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
