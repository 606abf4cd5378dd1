/**
 * Scaling with `--workers` on Redis: `/healthz`, publish and pop driven by wrk against one
 * daemon started with `--workers 1`, then against one started with `--workers 2`, each on a
 * redis-server of its own pre-filled the same way. The `--workers 2` rows are measured
 * against the same row at `--workers 1`, so their ratio is the scaling factor. Each phase's
 * note splits the CPU between the primary, each worker, redis-server and wrk: on a machine
 * with few cores the load generator and Redis take cores the workers would need.
 */
import { startDaemon } from '../../test/support/daemon.js';
import type { Daemon } from '../../test/support/daemon.js';
import { redisCommand, startRedis } from '../../test/support/redis.js';
import type { RedisProcess } from '../../test/support/redis.js';
import { fillRedisQueue } from '../lib/fill.js';
import type { Watched } from '../lib/host.js';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult, LoadSpec } from '../lib/load.js';
import { queueLength } from '../lib/probe.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { PAYLOAD, POP_QUEUE, PUBLISH_QUEUE, routeLoads } from './http.js';

const ID = 'redis-workers';

/** What one worker count measured. */
interface Measured {
  readonly workers: number;
  readonly healthz: LoadResult;
  readonly publish: LoadResult;
  readonly pop: LoadResult;
  /** Acknowledged publishes (warm-up included) and what the queue held after. */
  readonly acked: number;
  readonly stored: number;
  /** Messages left in the pop queue after the pop phase. */
  readonly left: number;
}

/** The pid of the redis-server on `port`, from `INFO server`. */
async function redisPid(port: number): Promise<number> {
  const info = await redisCommand(port, 'INFO', 'server');
  const pid = typeof info === 'string' ? Number(/process_id:(\d+)/.exec(info)?.[1]) : NaN;
  if (!Number.isInteger(pid)) throw new Error(`redis-server on port ${port} did not say its process_id`);
  return pid;
}

/** The processes to watch: with workers, the primary and each worker from its "workers serving" line. */
async function watched(daemon: Daemon, workers: number, redis: number): Promise<Watched[]> {
  if (workers === 1) return [{ label: 'daemon', pid: daemon.pid }, { label: 'redis-server', pid: redis }];
  const line = await daemon.untilLog(/"msg":"restmq workers serving"/, 30_000);
  const pids = (JSON.parse(line) as { pids: unknown }).pids;
  if (!Array.isArray(pids) || pids.some((p) => typeof p !== 'number')) throw new Error(`no worker pids in ${line}`);
  return [
    { label: 'primary', pid: daemon.pid },
    ...(pids as number[]).map((pid, i) => ({ label: `worker ${i + 1}`, pid })),
    { label: 'redis-server', pid: redis },
  ];
}

async function measure(ctx: BenchContext, workers: number, prefill: number): Promise<Measured> {
  const redis: RedisProcess = await startRedis();
  try {
    await fillRedisQueue(redis.port, POP_QUEUE, prefill, PAYLOAD);
    const daemon = await startDaemon(['--redis', `${redis.url}/0`, '--workers', String(workers), '--data-dir', ctx.tempDir(`${ID}-${workers}`)], {
      env: { ...process.env, RESTMQ_LOG_LEVEL: 'info' },
      startTimeoutMs: 30_000,
    });
    try {
      const watch = await watched(daemon, workers, await redisPid(redis.port));
      const phase = async (label: string, spec: LoadSpec): Promise<LoadResult> => {
        ctx.log(`${ID}: --workers ${workers}: ${label} ...`);
        const r = await runLoad({ ...spec, watch });
        ctx.log(`${ID}: --workers ${workers}: ${label}: ${Math.round(r.rps)} req/s, ${describeLoad(r)}`);
        return r;
      };
      const loads = routeLoads(daemon.url, ctx.connections, ctx.seconds);
      await phase('warm-up', { ...loads.healthz, seconds: ctx.quick ? 1 : 3 });
      const warmPublish = await phase('warm-up publish', { ...loads.publish, seconds: 1 });
      const healthz = await phase('GET /healthz', loads.healthz);
      const publish = await phase('publish', loads.publish);
      const pop = await phase('pop', loads.pop);
      const acked = warmPublish.ok + publish.ok;
      const stored = await queueLength(daemon.url, PUBLISH_QUEUE);
      if (stored < acked || stored > acked + 2 * ctx.connections) throw new Error(`--workers ${workers}: ${acked} publishes acknowledged but ${stored} stored`);
      return { workers, healthz, publish, pop, acked, stored, left: await queueLength(daemon.url, POP_QUEUE) };
    } finally {
      await daemon.stop();
    }
  } finally {
    await redis.stop();
  }
}

/** `--workers 1` against `--workers 2` on Redis. */
export const workersSuite: BenchSuite = {
  id: ID,
  description: "publish and pop over HTTP on Redis with --workers 1 and --workers 2 (redis-server --save '' --appendonly no)",
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const prefill = ctx.quick ? 150_000 : 600_000;
    const one = await measure(ctx, 1, prefill);
    const two = await measure(ctx, 2, prefill);
    const dry = (m: Measured): string => (m.left > 0 && m.pop.statuses['204'] === undefined ? `${m.left} still queued after the run` : 'QUEUE RAN DRY: figure invalid');
    const rows: BenchRow[] = [];
    for (const [name, pick] of [
      ['GET /healthz', (m: Measured) => m.healthz],
      ['publish POST /q (form, 64 B)', (m: Measured) => m.publish],
      [`pop GET /q (${prefill.toLocaleString('en-US')} pre-filled)`, (m: Measured) => m.pop],
    ] as const) {
      const base = pick(one);
      const extra = (m: Measured): string =>
        name.startsWith('publish') ? `; all ${m.acked} acknowledged publishes in the queue` : name.startsWith('pop') ? `; ${dry(m)}` : '';
      rows.push({
        suite: ID,
        name: `${name}, --workers 1`,
        figure: base.rps,
        unit: 'req/s',
        baselineName: `${name}, --workers 1`,
        baseline: base.rps,
        note: `${describeLoad(base)}${extra(one)}`,
      });
      rows.push({
        suite: ID,
        name: `${name}, --workers 2`,
        figure: pick(two).rps,
        unit: 'req/s',
        baselineName: `${name}, --workers 1`,
        baseline: base.rps,
        note: `the ratio is the scaling from 1 to 2 workers; ${describeLoad(pick(two))}${extra(two)}`,
      });
    }
    return rows;
  },
};
