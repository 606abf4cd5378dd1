/**
 * INTERIM, to be replaced by the Redis reliable-delivery work (branch `redis-reliable`):
 * the smallest members that let the Redis store compile and serve plain publish, pop and
 * streaming while the real publish (dedup, max length, delay), peek, read, nextDueAt,
 * leases, dead letters, full settings and drop are written elsewhere. Nothing here is
 * claimed as done; lease and dead-letter calls answer `store_unavailable`.
 */
import { RestMQError } from '../../core/errors.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import type { LeasedMessage, QueueSettings, StoredMessage } from '../../core/types.js';
import type { DeadLetterStore, LeaseRefusal, LeaseStore, PublishEntry, PublishOutcome, QueueStore, ReleaseOutcome } from '../contract.js';
import type { RedisContext } from './context.js';
import { RedisMessages } from './messages.js';
import { RedisQueues } from './queues.js';

function missing(what: string): RestMQError {
  return new RestMQError('store_unavailable', `the Redis store does not implement ${what} yet`);
}

/** Messages with an interim publish (append with the ttl given; no dedup, limits or delay). */
export class InterimRedisMessages extends RedisMessages {
  async publish(queue: string, entries: readonly PublishEntry[], now: number): Promise<PublishOutcome> {
    if (entries.some((e) => (e.delayMs ?? 0) > 0)) throw missing('delayed publish');
    const keys = await this.append(
      queue,
      entries.map((e) => ({ value: e.value, expiresAt: e.ttlMs === undefined || e.ttlMs === null ? null : now + e.ttlMs })),
      now,
    );
    return { kind: 'stored', keys, duplicate: keys.map(() => false) };
  }

  peek(): Promise<StoredMessage[]> {
    return Promise.reject(missing('peek'));
  }

  read(): Promise<StoredMessage | null> {
    return Promise.reject(missing('read by key'));
  }

  nextDueAt(): Promise<number | null> {
    return Promise.resolve(null);
  }
}

/** Queue metadata with interim full settings (defaults beyond policy and status) and drop. */
export class InterimRedisQueues implements QueueStore {
  private readonly base: RedisQueues;

  constructor(
    ctx: RedisContext,
    private readonly messages: RedisMessages,
  ) {
    this.base = new RedisQueues(ctx);
  }

  async settings(queue: string): Promise<QueueSettings> {
    return { ...DEFAULT_QUEUE_SETTINGS, ...(await this.base.settings(queue)) };
  }

  async updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<QueueSettings> {
    return { ...DEFAULT_QUEUE_SETTINGS, ...(await this.base.updateSettings(queue, patch, now)) };
  }

  list(): Promise<string[]> {
    return this.base.list();
  }

  stats(queue: string, now: number): ReturnType<QueueStore['stats']> {
    return this.base.stats(queue, now);
  }

  drop(queue: string): Promise<number> {
    return this.messages.purge(queue);
  }
}

/** Leases: not available until the reliable-delivery work lands. */
export const interimLeases: LeaseStore = {
  lease: (): Promise<LeasedMessage[]> => Promise.reject(missing('leases')),
  ack: (): Promise<'acked' | LeaseRefusal> => Promise.reject(missing('leases')),
  release: (): Promise<ReleaseOutcome> => Promise.reject(missing('leases')),
  extend: (): Promise<{ readonly leaseExpiresAt: number } | LeaseRefusal> => Promise.reject(missing('leases')),
};

/** Dead letters: not available until the reliable-delivery work lands. */
export const interimDeadLetters: DeadLetterStore = {
  redrive: () => Promise.reject(missing('redrive')),
};
