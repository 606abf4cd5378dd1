/**
 * `npm run bench:profile -- publish|pop|healthz|batch|lease-batch [--seconds N] [--store sqlite|redis]`:
 * one load phase against a daemon running under `node --cpu-prof` (SQLite `--sync full`, or
 * Redis on a redis-server started for the run without persistence), then a summary of where
 * its CPU went (self time by package and by function). Used when a row misses its target.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCliServer } from '../test/support/cli-server.js';
import { startRedis } from '../test/support/redis.js';
import type { RedisProcess } from '../test/support/redis.js';
import { fillRedisQueue, fillSqliteQueue } from './lib/fill.js';
import { describeLoad, runLoad } from './lib/load.js';
import { ensureWrk } from './lib/wrk.js';
import { renderProfile } from './lib/profile.js';
import { PAYLOAD, POP_QUEUE, routeLoads } from './suites/http.js';
import { batchAckLoad } from './suites/acks.js';
import { batchPublishLoad, LEASE_QUEUE } from './suites/reliable.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const route = args[0];
  if (route !== 'publish' && route !== 'pop' && route !== 'healthz' && route !== 'batch' && route !== 'lease-batch') {
    throw new Error('usage: bench/profile.ts publish|pop|healthz|batch|lease-batch [--seconds N] [--store sqlite|redis]');
  }
  const storeAt = args.indexOf('--store');
  const store = storeAt >= 0 ? args[storeAt + 1] : 'sqlite';
  if (store !== 'sqlite' && store !== 'redis') throw new Error('--store is sqlite or redis');
  const at = args.indexOf('--seconds');
  const seconds = at >= 0 ? Number(args[at + 1]) : 10;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds needs a positive number');
  ensureWrk((message) => process.stderr.write(`[profile] ${message}\n`));
  const root = mkdtempSync(join(tmpdir(), 'restmq-profile-'));
  let redis: RedisProcess | null = null;
  try {
    if (store === 'redis') redis = await startRedis();
    const dataDir = join(root, 'data');
    const profiles = join(root, 'profiles');
    const fillQueue = route === 'pop' ? POP_QUEUE : route === 'lease-batch' ? LEASE_QUEUE : null;
    if (fillQueue !== null) {
      if (redis === null) await fillSqliteQueue(dataDir, fillQueue, 50_000 * seconds, PAYLOAD);
      else await fillRedisQueue(redis.port, fillQueue, 50_000 * seconds, PAYLOAD);
    }
    const extraArgs = redis === null ? [] : ['--redis', redis.url];
    const server = await startCliServer({ dataDir, sync: 'full', extraArgs, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profiles] });
    let line: string;
    try {
      const load =
        route === 'batch' ? batchPublishLoad(server.url, 50, seconds) : route === 'lease-batch' ? batchAckLoad(server.url, LEASE_QUEUE, 50, seconds) : routeLoads(server.url, 50, seconds)[route];
      const spec = { ...load, watch: [{ label: 'daemon', pid: server.pid }] };
      await runLoad({ ...spec, seconds: 1 });
      const result = await runLoad(spec);
      line = `${route}: ${Math.round(result.rps)} req/s${route === 'batch' ? ` (${Math.round(result.rps * 100)} msg/s)` : ''}, ${describeLoad(result)} (the profiler slows the daemon)`;
    } finally {
      await server.stop();
    }
    process.stdout.write(`${line}\n\n`);
    for (const file of readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'))) {
      process.stdout.write(`${renderProfile(join(profiles, file))}\n`);
    }
  } finally {
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
