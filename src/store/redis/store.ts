/**
 * The Redis store: the Store contract over standalone Redis, Sentinel or Cluster. Each
 * multi-key step is one Lua script over the queue's own keys (one hash slot, see keys.ts),
 * so many daemons can share one Redis and see one set of queues. Appends and takes for
 * the same queue that arrive in the same event-loop turn share one script call.
 *
 * A promise that resolves means Redis executed the change; how durable that is follows
 * Redis's own persistence settings (docs/redis.md).
 */
import { RestMQError } from '../../core/errors.js';
import type { DeadLetterStore, LeaseStore, QueueStore, Store } from '../contract.js';
import { RedisContext } from './context.js';
import { InterimRedisMessages, InterimRedisQueues, interimDeadLetters, interimLeases } from './interim-reliable.js';
import type { KeySpace } from './keys.js';
import type { RedisClient, Scripts } from './scripts.js';
import { RedisStreams } from './streams.js';

/** What the Redis store is built from. */
export interface RedisStoreOptions {
  /** Command connections (the pool); each queue always uses the same one. Owned by the store. */
  readonly clients: readonly RedisClient[];
  readonly keys: KeySpace;
  readonly scripts: Scripts;
}

/** Opens the Redis store over connections it will own. */
export function openRedisStore(options: RedisStoreOptions): Store {
  if (options.clients.length === 0) throw new Error('the Redis store needs at least one connection');
  return new RedisStore(options);
}

class RedisStore implements Store {
  readonly kind = 'redis';
  readonly messages: InterimRedisMessages;
  readonly queues: QueueStore;
  readonly leases: LeaseStore = interimLeases;
  readonly deadLetters: DeadLetterStore = interimDeadLetters;
  readonly streams: RedisStreams;
  /** The same history as `streams`, tailed in append order by every daemon's Dispatcher. */
  readonly sharedHistory: RedisStreams;
  private readonly ctx: RedisContext;
  private closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    this.ctx = new RedisContext(options.clients, options.keys, options.scripts);
    this.messages = new InterimRedisMessages(this.ctx);
    this.queues = new InterimRedisQueues(this.ctx, this.messages);
    this.streams = new RedisStreams(this.ctx);
    this.sharedHistory = this.streams;
  }

  ping(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new RestMQError('store_unavailable', 'the Redis store is closed'));
    return this.ctx.call(async () => {
      for (const client of this.ctx.clients) {
        if (client.status !== 'ready') throw new Error(`not connected (${client.status})`);
        await client.ping();
      }
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.messages.flush();
      await this.ctx.drained();
      await Promise.all(
        this.ctx.clients.map(async (client) => {
          // QUIT lets replies in flight arrive; it would wait for a reconnect if Redis is down.
          if (client.status === 'ready') await client.quit().catch(() => undefined);
          client.disconnect(); // also releases the Sentinel failover detector's connections
        }),
      );
    })();
    return this.closing;
  }
}
