/**
 * Builds ioredis clients for a standalone Redis, a Sentinel-managed master or a Cluster,
 * with the settings that make outages answer quickly and honestly:
 * - no offline queue and no resend after a reconnect: a command issued while Redis is
 *   unreachable fails at once instead of running later, after its caller got a 503;
 * - a command timeout, so a Redis that stops answering costs at most `timeoutMs`;
 * - endless reconnection with a short, capped backoff, so the daemon recovers by itself.
 * The subscriber connection is the exception: subscriptions are state, not data, so it
 * queues them while disconnected and resubscribes after a reconnect.
 */
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisTarget } from './settings.js';

/** A standalone/Sentinel connection or a Cluster: both route EVALSHA by its first key. */
export type RedisClient = Redis | Cluster;

/** What a connection is for. */
export type ConnectionRole = 'command' | 'subscriber';

/** How long reconnect attempts wait, growing to at most one second. */
function retryDelay(attempt: number): number {
  return Math.min(50 * attempt, 1000);
}

function baseOptions(timeoutMs: number, role: ConnectionRole): RedisOptions {
  const command = role === 'command';
  return {
    connectTimeout: timeoutMs,
    ...(command ? { commandTimeout: timeoutMs } : {}),
    maxRetriesPerRequest: command ? 0 : null,
    autoResendUnfulfilledCommands: !command,
    enableOfflineQueue: !command,
    enableAutoPipelining: command,
    lazyConnect: false,
  };
}

/** Opens one client for `target`. */
export function createRedisClient(target: RedisTarget, timeoutMs: number, role: ConnectionRole, name = 'restmq'): RedisClient {
  const options = baseOptions(timeoutMs, role);
  const auth = {
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
  };
  switch (target.kind) {
    case 'standalone':
      return new Redis({
        ...options,
        ...auth,
        connectionName: name,
        host: target.host,
        port: target.port,
        db: target.db,
        ...(target.tls ? { tls: { servername: target.host } } : {}),
        retryStrategy: retryDelay,
      });
    case 'sentinel':
      return new Redis({
        ...options,
        ...auth,
        connectionName: name,
        sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: target.name,
        db: target.db,
        failoverDetector: true,
        retryStrategy: retryDelay,
        sentinelRetryStrategy: retryDelay,
      });
    case 'cluster': {
      const { enableOfflineQueue, ...nodeOptions } = options;
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue,
        enableAutoPipelining: options.enableAutoPipelining ?? false,
        clusterRetryStrategy: retryDelay,
        slotsRefreshTimeout: timeoutMs,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        redisOptions: { ...nodeOptions, ...auth, connectionName: name },
      };
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        clusterOptions,
      );
    }
  }
}

/** Resolves once `client` is ready, or after `timeoutMs` with false (it keeps trying). */
export function waitReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}
