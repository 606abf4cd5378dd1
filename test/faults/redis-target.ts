/**
 * Fault targets on the Redis store, each the real daemon (`bin/restmq serve --redis`) on a
 * real redis-server started for the run:
 * - redis-server killed with SIGKILL and restarted on the same port and dir, under
 *   `appendonly yes` and a chosen `appendfsync`; the daemon reconnects by itself;
 * - the link to Redis cut (a TCP proxy between two daemons and redis-server destroys every
 *   connection and refuses new ones) and restored, with probes that every request made
 *   during the cut answers 503 and stored nothing;
 * - one of two daemons sharing one Redis killed with SIGKILL (a front proxy sends clients to
 *   the other), so leases the dead one handed out come back from the survivor.
 * A 503 on Redis may follow a script Redis ran whose reply the fault cut, so these targets
 * declare it indeterminate.
 */
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { startCliServer } from '../support/cli-server.js';
import type { CliServer } from '../support/cli-server.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { tempDir } from '../support/server.js';
import { startTcpProxy } from './proxy.js';
import type { TcpProxy } from './proxy.js';
import { UpSignal } from './target.js';
import type { FaultTarget } from './target.js';
import { waitFor } from '../support/wait.js';

/** `/readyz` status of a daemon (it checks the daemon's Redis connections), 0 when it cannot be reached. */
async function readyz(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/readyz`);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Waits until every daemon reports ready again. */
async function allReady(daemons: readonly CliServer[]): Promise<void> {
  for (const d of daemons) await waitFor(`daemon on ${d.port} ready`, async () => (await readyz(d.url)) === 200, 20_000);
}

/** Stops daemons, then whatever else the target ran; resolves with whether every daemon exited 0. */
async function shutdown(daemons: readonly CliServer[], rest: () => Promise<void>, dirs: readonly string[]): Promise<boolean> {
  let clean = true;
  try {
    for (const d of daemons) {
      if ((await d.stop()) !== 0) clean = false;
    }
  } finally {
    await rest();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  return clean;
}

function daemonArgs(redisUrl: string): string[] {
  return ['--redis', redisUrl];
}

/** Options of {@link startRedisKillTarget}. */
export interface RedisKillOptions {
  /** Redis's AOF fsync policy. */
  readonly appendfsync: 'always' | 'everysec';
}

/** One daemon on a redis-server with AOF; the fault is SIGKILL of redis-server and a restart on the same port and dir. */
export async function startRedisKillTarget(options: RedisKillOptions): Promise<FaultTarget & { readonly restarts: () => number }> {
  const redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', options.appendfsync] });
  const dataDir = tempDir('restmq-fault-redis-');
  let daemon: CliServer;
  try {
    daemon = await startCliServer({ dataDir, extraArgs: daemonArgs(redis.url) });
  } catch (err) {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const up = new UpSignal();
  let restarts = 0;
  let closed = false;
  return {
    description: `Redis appendonly yes, appendfsync ${options.appendfsync}: redis-server killed with SIGKILL and restarted`,
    url: daemon.url,
    indeterminateStatuses: [503],
    restarts: () => restarts,
    whenUp: () => up.wait(),
    async fault() {
      if (closed) throw new Error('target closed');
      up.down();
      await redis.kill('SIGKILL');
      await redis.restart();
      await allReady([daemon]);
      restarts++;
      up.up();
    },
    async close() {
      closed = true;
      try {
        return await shutdown([daemon], () => redis.stop(), [dataDir]);
      } finally {
        up.up();
      }
    },
  };
}

/** What the probes of a cut target saw while the link was cut. */
export interface CutProbes {
  /** Probe publishes and pops (to every daemon, during every cut) by answer status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Messages the probe queue held after the cuts: a 503 must store nothing. */
  readonly probeQueueLength: () => Promise<number>;
}

/** Options of {@link startRedisCutTarget}. */
export interface RedisCutOptions {
  /** How long each cut lasts, ms. */
  readonly cutMs: number;
}

/**
 * Two daemons behind a round-robin front proxy, both reaching redis-server through a link
 * proxy; the fault cuts the link for `cutMs`, probes both daemons, restores it and waits
 * until both are ready again.
 */
export async function startRedisCutTarget(options: RedisCutOptions): Promise<FaultTarget & CutProbes & { readonly cuts: () => number }> {
  const redis = await startRedis();
  const proxies: TcpProxy[] = [];
  const daemons: CliServer[] = [];
  const dirs: string[] = [];
  const stopRest = async (): Promise<void> => {
    for (const p of proxies) await p.close();
    await redis.stop();
  };
  let front: TcpProxy;
  let link: TcpProxy;
  try {
    link = await startTcpProxy(() => redis.port);
    proxies.push(link);
    for (let i = 0; i < 2; i++) {
      const dir = tempDir('restmq-fault-redis-');
      dirs.push(dir);
      daemons.push(await startCliServer({ dataDir: dir, extraArgs: daemonArgs(`redis://127.0.0.1:${link.port}`) }));
    }
    let next = 0;
    front = await startTcpProxy(() => {
      next = (next + 1) % daemons.length;
      return (daemons[next] as CliServer).port;
    });
    proxies.push(front);
  } catch (err) {
    await shutdown(daemons, stopRest, dirs);
    throw err;
  }
  const probeQueue = `fault-probe-${Date.now().toString(36)}`;
  const statuses: Record<string, number> = {};
  const count = (status: number): void => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const up = new UpSignal();
  let cuts = 0;
  let closed = false;
  return {
    description: `Redis link cut for ${options.cutMs} ms (TCP proxy) under two daemons, then restored`,
    url: `http://127.0.0.1:${front.port}`,
    indeterminateStatuses: [503],
    statuses,
    cuts: () => cuts,
    async probeQueueLength() {
      const response = await fetch(`${(daemons[0] as CliServer).url}/stats/${probeQueue}`);
      const body: unknown = await response.json();
      if (response.status !== 200 || typeof body !== 'object' || body === null) throw new Error(`stats answered ${response.status}`);
      const len: unknown = (body as { len?: unknown }).len;
      if (typeof len !== 'number') throw new Error('stats without len');
      return len;
    },
    whenUp: () => up.wait(),
    async fault() {
      if (closed) throw new Error('target closed');
      up.down();
      const started = Date.now();
      link.cut();
      // Each daemon notices the lost connections (its /readyz turns 503), then is probed.
      for (const d of daemons) {
        await waitFor(`daemon on ${d.port} not ready during the cut`, async () => (await readyz(d.url)) === 503, 10_000);
        const pub = await fetch(`${d.url}/q/${probeQueue}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `value=cut-${cuts}` });
        await pub.arrayBuffer();
        count(pub.status);
        const pop = await fetch(`${d.url}/q/${probeQueue}`);
        await pop.arrayBuffer();
        count(pop.status);
      }
      await delay(Math.max(0, options.cutMs - (Date.now() - started))); // the outage lasts this long: the fault itself
      link.restore();
      await allReady(daemons);
      cuts++;
      up.up();
    },
    async close() {
      closed = true;
      try {
        return await shutdown(daemons, stopRest, dirs);
      } finally {
        up.up();
      }
    },
  };
}

/**
 * Two daemons on one redis-server behind a front proxy that sends clients to one of them;
 * the fault kills that daemon with SIGKILL (leases it handed out are still held), switches
 * the proxy to the other, and restarts the dead one on its port as the next standby.
 */
export async function startRedisDaemonKillTarget(): Promise<FaultTarget & { readonly kills: () => number }> {
  const redis: RedisProcess = await startRedis();
  const daemons: CliServer[] = [];
  const dirs: string[] = [];
  let front: TcpProxy | null = null;
  const stopRest = async (): Promise<void> => {
    await front?.close();
    await redis.stop();
  };
  let current = 0;
  try {
    for (let i = 0; i < 2; i++) {
      const dir = tempDir('restmq-fault-redis-');
      dirs.push(dir);
      daemons.push(await startCliServer({ dataDir: dir, extraArgs: daemonArgs(redis.url) }));
    }
    front = await startTcpProxy(() => (daemons[current] as CliServer).port);
  } catch (err) {
    await shutdown(daemons, stopRest, dirs);
    throw err;
  }
  const up = new UpSignal();
  let kills = 0;
  let closed = false;
  return {
    description: 'Redis, two daemons: the serving daemon killed with SIGKILL, clients moved to the other',
    url: `http://127.0.0.1:${front.port}`,
    kills: () => kills,
    whenUp: () => up.wait(),
    async fault() {
      if (closed) throw new Error('target closed');
      up.down();
      const victim = current;
      const dead = daemons[victim] as CliServer;
      await dead.kill();
      current = 1 - victim;
      kills++;
      up.up();
      daemons[victim] = await startCliServer({ dataDir: dirs[victim] as string, port: dead.port, extraArgs: daemonArgs(redis.url) });
    },
    async close() {
      closed = true;
      try {
        return await shutdown(daemons, stopRest, dirs);
      } finally {
        up.up();
      }
    },
  };
}
