/**
 * How a suite gets a daemon on one store, so a suite is written once and runs on each:
 * SQLite with `--sync full` (the default), and Redis on a redis-server the bench starts
 * itself (free port, temp dir, no persistence) with `--redis <url>` passed to the daemon.
 */
import { startCliServer } from '../../test/support/cli-server.js';
import type { CliServer } from '../../test/support/cli-server.js';
import { redisCommand, startRedis } from '../../test/support/redis.js';
import type { Watched } from './host.js';
import { fillRedisQueue, fillSqliteQueue } from './fill.js';
import type { BenchContext } from './types.js';

/** Messages a queue must hold before the daemon serves. */
export interface Fill {
  readonly queue: string;
  readonly count: number;
  readonly value: string;
}

/** A daemon on one store; `stop()` also stops what the store ran (a redis-server). */
export interface StoreServer extends CliServer {
  /** Port of the redis-server the daemon uses, for raw Redis baselines; null on SQLite. */
  readonly redisPort: number | null;
  /** The daemon and its redis-server (if any), whose CPU each load phase reports. */
  readonly processes: readonly Watched[];
}

/** The pid of the redis-server on `port`, from `INFO server`. */
async function redisPid(port: number): Promise<number> {
  const info = await redisCommand(port, 'INFO', 'server');
  const pid = typeof info === 'string' ? Number(/process_id:(\d+)/.exec(info)?.[1]) : NaN;
  if (!Number.isInteger(pid)) throw new Error(`redis-server on port ${port} did not say its process_id`);
  return pid;
}

/** A store a suite can run on. */
export interface StoreUnderTest {
  /** Short name, used in suite ids and notes: `sqlite`, `redis`. */
  readonly name: string;
  /** How the daemon is configured, for the notes: `--sync full`. */
  readonly settings: string;
  /** Fills the queues (by whatever is fastest for this store), then starts the daemon on it. */
  start(ctx: BenchContext, label: string, fills: readonly Fill[]): Promise<StoreServer>;
}

/** The embedded SQLite store with `--sync full` (the default): every 2xx is fsynced. */
export const sqliteStore: StoreUnderTest = {
  name: 'sqlite',
  settings: '--sync full',
  async start(ctx, label, fills) {
    const dataDir = ctx.tempDir(`${label}-sqlite`);
    for (const fill of fills) await fillSqliteQueue(dataDir, fill.queue, fill.count, fill.value);
    const daemon = await startCliServer({ dataDir, sync: 'full' });
    return { ...daemon, redisPort: null, processes: [{ label: 'daemon', pid: daemon.pid }] };
  },
};

/**
 * The Redis store on a redis-server of its own (`--save '' --appendonly no`: what is
 * measured is RestMQ and Redis's command path, not a disk), one daemon, one connection.
 */
export const redisStore: StoreUnderTest = {
  name: 'redis',
  settings: "redis-server --save '' --appendonly no",
  async start(ctx, label, fills) {
    const redis = await startRedis();
    try {
      for (const fill of fills) await fillRedisQueue(redis.port, fill.queue, fill.count, fill.value);
      const pid = await redisPid(redis.port);
      const daemon = await startCliServer({ dataDir: ctx.tempDir(`${label}-redis`), extraArgs: ['--redis', redis.url] });
      return {
        ...daemon,
        redisPort: redis.port,
        processes: [
          { label: 'daemon', pid: daemon.pid },
          { label: 'redis-server', pid },
        ],
        async stop() {
          try {
            return await daemon.stop();
          } finally {
            await redis.stop();
          }
        },
        async kill() {
          try {
            await daemon.kill();
          } finally {
            await redis.stop();
          }
        },
      };
    } catch (err) {
      await redis.stop();
      throw err;
    }
  },
};
