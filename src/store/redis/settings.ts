/**
 * The Redis store's settings: which Redis to reach (standalone, Sentinel or Cluster, named
 * by exactly one of the ways the flags allow) and how. The flags themselves are declared
 * with every other setting in SETTINGS (src/config.ts), which parses each value; this file
 * checks them against each other and builds the target the connections use.
 */
import { StoreSettingsError } from '../factory.js';

/** One Redis node or sentinel. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** The settings the Redis store reads (fields of the daemon's config). */
export interface RedisSettings {
  /** `--redis` URL. */
  readonly redisUrl: string | null;
  readonly redisHost: string | null;
  readonly redisPort: number | null;
  readonly redisDb: number | null;
  readonly redisCluster: readonly RedisNode[] | null;
  readonly redisSentinel: readonly RedisNode[] | null;
  readonly redisSentinelName: string;
  /** Prefix of every key and channel. */
  readonly redisPrefix: string;
  /** Bound on connecting and deadline of every store call, ms. */
  readonly redisTimeoutMs: number;
  /** Command connections. */
  readonly redisPool: number;
}

/** Where the Redis store connects; built from the Redis settings by {@link redisTarget}. */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly host: string; readonly port: number; readonly db: number; readonly tls: boolean; readonly username?: string; readonly password?: string }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly RedisNode[]; readonly name: string; readonly db: number; readonly username?: string; readonly password?: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly username?: string; readonly password?: string };

/**
 * The Redis the settings point at, or null when none names a server (another store is
 * chosen then). Exactly one way
 * to name Redis may be used (--redis, --redis-host/--redis-port, --redis-cluster or
 * --redis-sentinel); settings that only make sense with Redis are refused without it.
 */
export function redisTarget(config: RedisSettings): RedisTarget | null {
  const ways = [
    config.redisUrl !== null ? '--redis' : null,
    config.redisHost !== null || config.redisPort !== null ? '--redis-host/--redis-port' : null,
    config.redisCluster !== null ? '--redis-cluster' : null,
    config.redisSentinel !== null ? '--redis-sentinel' : null,
  ].filter((w): w is string => w !== null);
  if (ways.length > 1) throw new StoreSettingsError(`use only one of ${ways.join(', ')} to name the Redis server`);
  if (ways.length === 0) {
    if (config.redisDb !== null) throw new StoreSettingsError('--redis-db needs a Redis server (--redis, --redis-host or --redis-sentinel)');
    return null;
  }
  if (config.redisUrl !== null) {
    const url = new URL(config.redisUrl);
    const path = url.pathname.replace(/^\//, '');
    if (path !== '' && config.redisDb !== null) throw new StoreSettingsError('give the database either in the --redis URL or with --redis-db, not both');
    return {
      kind: 'standalone',
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 6379 : Number(url.port),
      db: path !== '' ? Number(path) : (config.redisDb ?? 0),
      tls: url.protocol === 'rediss:',
      ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    };
  }
  if (config.redisCluster !== null) {
    if (config.redisDb !== null && config.redisDb !== 0) throw new StoreSettingsError('--redis-db cannot be used with --redis-cluster (a Cluster has only database 0)');
    return { kind: 'cluster', nodes: config.redisCluster };
  }
  if (config.redisSentinel !== null) {
    return { kind: 'sentinel', sentinels: config.redisSentinel, name: config.redisSentinelName, db: config.redisDb ?? 0 };
  }
  return { kind: 'standalone', host: config.redisHost ?? '127.0.0.1', port: config.redisPort ?? 6379, db: config.redisDb ?? 0, tls: false };
}
