/**
 * The Redis store's factory: chosen when a Redis setting names a server. Several daemons
 * share the store, so wake-ups travel over Redis pub/sub and the store offers the shared
 * broadcast history (Store.sharedHistory).
 */
import type { StoreFactory } from '../factory.js';
import { openRedisBackend } from './backend.js';
import { redisTarget } from './settings.js';
import type { RedisSettings, RedisTarget } from './settings.js';

/** The parsed Redis settings. */
export interface ParsedRedisSettings {
  readonly target: RedisTarget;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly pool: number;
}

/** Opens the Redis store and its pub/sub signal bus. */
export const redisFactory: StoreFactory<RedisSettings, ParsedRedisSettings> = {
  kind: 'redis',
  sharedByProcesses: true,
  parse(settings) {
    const target = redisTarget(settings);
    if (target === null) return null;
    return { target, prefix: settings.redisPrefix, timeoutMs: settings.redisTimeoutMs, pool: settings.redisPool };
  },
  async open(parsed, deps) {
    const { store, signals } = await openRedisBackend({ ...parsed, logger: deps.logger, clock: deps.clock });
    return { store, signals, about: { redisPrefix: parsed.prefix }, dataDir: null };
  },
};
