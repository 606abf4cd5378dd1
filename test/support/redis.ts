/**
 * Test support: real redis-server processes on free loopback ports, each in its own temp
 * dir, without persistence unless a test asks for it; and a local 3-master Cluster made
 * with `redis-cli --cluster create`. Everything started here is stopped by `stop()`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { openRedisBackend } from '../../src/store/redis/backend.js';
import type { RedisBackend, RedisBackendOptions } from '../../src/store/redis/backend.js';
import { tempDir } from './server.js';
import { waitFor } from './wait.js';

/** Resolves with a port that was free a moment ago (and, if asked, whose +10000 was too). */
export async function freePort(withBus = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = withBus ? 20_000 + Math.floor(Math.random() * 30_000) : 0;
    const got = await tryListen(port);
    if (got === null) continue;
    if (!withBus || (await tryListen(got + 10_000)) !== null) return got;
  }
  throw new Error('no free port found');
}

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const got = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(got));
    });
  });
}


/** Sends one command with a short-lived connection; returns the reply. */
export async function redisCommand(port: number, command: string, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/** A running redis-server. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Kills the process with `signal` and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Freezes it (SIGSTOP): it keeps its sockets but answers nothing. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Starts it again on the same port, same dir and same arguments. */
  restart(): Promise<void>;
  /** Kills it and removes its dir. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Extra redis-server arguments, e.g. ['--appendonly', 'yes']; they override the defaults. */
  readonly args?: readonly string[];
  readonly port?: number;
}

/** Starts redis-server on a free port with `--save '' --appendonly no` (unless overridden). */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = tempDir('restmq-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log'), ...(options.args ?? [])];
  return supervise(port, dir, args, async (proc) => {
    await waitFor(`redis-server on ${port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      try {
        return (await redisCommand(port, 'PING')) === 'PONG';
      } catch (err) {
        return err instanceof Error && err.message.startsWith('NOAUTH'); // up, with a password
      }
    });
  });
}

/**
 * Runs `redis-server args` as a {@link RedisProcess}: started once `ready` resolves for it,
 * restartable with the same arguments, and cleaned up (process and dir) on failure or stop.
 */
async function supervise(port: number, dir: string, args: readonly string[], ready: (proc: ChildProcess) => Promise<void>): Promise<RedisProcess> {
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    await ready(proc);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
    child = null;
  };
  try {
    await launch();
  } catch (err) {
    await kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    restart: launch,
    async stop() {
      child?.kill('SIGCONT');
      await kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running local Cluster of three masters. */
export interface RedisClusterProcess {
  readonly nodes: readonly RedisProcess[];
  /** `host:port,host:port,...`, as --redis-cluster takes it. */
  readonly seeds: string;
  stop(): Promise<void>;
}

/** Starts three cluster-enabled redis-servers and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisClusterProcess> {
  const nodes: RedisProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort(true);
      nodes.push(await startRedis({ port, args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const node of nodes) {
      await waitFor(`cluster ok on ${node.port}`, async () => String(await redisCommand(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 20_000);
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  return {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** Starts a Sentinel watching the master on `masterPort` under `name`. */
export async function startSentinel(masterPort: number, name = 'mymaster'): Promise<RedisProcess> {
  const port = await freePort();
  const dir = tempDir('restmq-sentinel-');
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 5000`].join('\n') + '\n',
  );
  return supervise(port, dir, [conf, '--sentinel'], async (proc) => {
    await waitFor(`sentinel on ${port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`sentinel exited with ${proc.exitCode}`);
      const reply = await redisCommand(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name);
      return Array.isArray(reply) && reply[1] === String(masterPort);
    });
  });
}

/**
 * The Redis store and its signal bus over the standalone redis-server at `port`, as store
 * tests open it: keys under `prefix`, one connection, a 3 s deadline, a silent logger;
 * `more` changes any of these (a maintenance interval, a clock, a logger).
 */
export function openTestRedisBackend(port: number, prefix: string, more: Partial<RedisBackendOptions> = {}): Promise<RedisBackend> {
  return openRedisBackend({
    target: { kind: 'standalone', host: '127.0.0.1', port, db: 0, tls: false },
    prefix,
    timeoutMs: 3000,
    pool: 1,
    logger: pino({ level: 'silent' }),
    ...more,
  });
}
