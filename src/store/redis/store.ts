/**
 * The Redis store: the Store contract over standalone Redis, Sentinel or Cluster. Each
 * multi-key step is one Lua script over the queue's own keys (one hash slot, see keys.ts),
 * so many daemons can share one Redis and see one set of queues. Appends and takes for
 * the same queue that arrive in the same event-loop turn share one script call.
 *
 * A promise that resolves means Redis executed the change; how durable that is follows
 * Redis's own persistence settings (docs/redis.md).
 */
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { RestMQError } from '../../core/errors.js';
import type { DeadLetterStore, LeaseStore, QueueStore, Store, StreamStore } from '../contract.js';
import { RedisContext } from './context.js';
import type { KeySpace } from './keys.js';
import { RedisDeadLetters } from './dead-letters.js';
import { RedisLeases } from './leases.js';
import { Maintenance } from './maintenance.js';
import { RedisMessages } from './messages.js';
import { BackgroundFailures } from '../background-failures.js';
import type { StoreLog } from '../background-failures.js';
import { MoveListeners } from '../move-listeners.js';
import { SettleListeners } from '../settle-events.js';
import type { SettleEvent } from '../settle-events.js';
import { Moves } from './moves.js';
import { RedisQueues } from './queues.js';
import type { RedisClient } from './connection.js';
import type { Scripts } from './scripts.js';
import { RedisStreams } from './streams.js';

/** What the Redis store is built from. */
export interface RedisStoreOptions {
  /** Command connections (the pool); each queue always uses the same one. Owned by the store. */
  readonly clients: readonly RedisClient[];
  readonly keys: KeySpace;
  readonly scripts: Scripts;
  /**
   * How often this daemon settles idle queues' due work (delays, expired leases, dead
   * letters, moves left in an outbox) and forgets expired dedup ids, ms. @default 5000
   */
  readonly maintenanceIntervalMs?: number;
  /** Deadline of one store call, ms: past it the call answers `store_unavailable`. @default 3000 */
  readonly timeoutMs?: number;
  /** Time and the maintenance timer. @default systemClock */
  readonly clock?: Clock;
  /** Where failures of background work are logged (warn, rate-limited). @default none */
  readonly log?: StoreLog;
}

/** Opens the Redis store over connections it will own. */
export function openRedisStore(options: RedisStoreOptions): Store {
  if (options.clients.length === 0) throw new Error('the Redis store needs at least one connection');
  return new RedisStore(options);
}

class RedisStore implements Store {
  readonly kind = 'redis';
  readonly messages: RedisMessages;
  readonly leases: LeaseStore;
  readonly deadLetters: DeadLetterStore;
  readonly queues: QueueStore;
  readonly streams: StreamStore;
  /** The same history as `streams`, tailed in append order by every daemon's Dispatcher. */
  readonly sharedHistory: RedisStreams;
  private readonly ctx: RedisContext;
  private readonly maintenance: Maintenance;
  private readonly moveListeners = new MoveListeners();
  private readonly settled = new SettleListeners();
  private closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    this.ctx = new RedisContext(options.clients, options.keys, options.scripts, options.timeoutMs ?? 3000, new BackgroundFailures(options.log));
    const moves = new Moves(this.ctx, (queue) => this.moveListeners.moved(queue), this.settled);
    this.messages = new RedisMessages(this.ctx, moves);
    this.leases = new RedisLeases(this.ctx, moves);
    this.deadLetters = new RedisDeadLetters(this.ctx, moves);
    this.queues = new RedisQueues(this.ctx, this.settled);
    const streams = new RedisStreams(this.ctx, moves);
    this.streams = streams;
    this.sharedHistory = streams;
    this.maintenance = new Maintenance(this.ctx, moves, options.maintenanceIntervalMs ?? 5000, options.clock ?? systemClock);
  }

  onMoved(listener: (queue: string) => void): () => void {
    return this.moveListeners.add(listener);
  }

  onSettled(listener: (event: SettleEvent) => void): () => void {
    return this.settled.add(listener);
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
      await this.maintenance.stop();
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
