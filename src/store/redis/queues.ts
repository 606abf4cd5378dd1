/**
 * The queue-metadata role of the Redis store: settings (fields of the queue's meta hash),
 * the queue list, stats and drop.
 */
import { formatKey } from '../../core/names.js';
import type { Policy, QueueSettings, QueueStats, QueueStatus } from '../../core/types.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import type { QueueStore } from '../contract.js';
import { SettleListeners } from '../settle-events.js';
import type { RedisContext } from './context.js';
import { unexpectedReply } from './errors.js';
import { EXPIRED_BUDGET } from './messages.js';
import { asArray, asInt, asString } from './replies.js';

/** Meta hash field of each setting, in the order settings-1.lua answers them. */
const FIELDS = {
  policy: 'policy',
  status: 'status',
  leaseSeconds: 'lease',
  maxAttempts: 'max_attempts',
  deadLetter: 'dead_letter',
  delaySeconds: 'delay',
  ttlSeconds: 'ttl',
  maxLength: 'max_length',
  dedupWindowSeconds: 'dedup_window',
  extra: 'extra',
} as const satisfies Record<keyof QueueSettings, string>;

const ORDER = Object.keys(FIELDS) as (keyof QueueSettings)[];

function policyOf(reply: unknown): Policy {
  if (reply === null || reply === undefined) return DEFAULT_QUEUE_SETTINGS.policy;
  if (reply === 'broadcast' || reply === 'roundrobin') return reply;
  throw unexpectedReply('policy', reply);
}

function statusOf(reply: unknown): QueueStatus {
  if (reply === null || reply === undefined) return DEFAULT_QUEUE_SETTINGS.status;
  if (reply === 'started' || reply === 'stopped') return reply;
  throw unexpectedReply('status', reply);
}

/** A whole-number setting: absent takes the default, '' is null. */
function numberOr<T extends number | null>(reply: unknown, fallback: T, what: string): number | T {
  if (reply === null || reply === undefined) return fallback;
  if (reply === '') return null as T;
  return asInt(reply, what);
}

function integerOf(reply: unknown, fallback: number, what: string): number {
  const n = numberOr(reply, fallback, what);
  if (n === null) throw unexpectedReply(what, reply);
  return n;
}

/** Settings from the meta fields in {@link ORDER}. */
function settingsOf(values: readonly unknown[]): QueueSettings {
  const d = DEFAULT_QUEUE_SETTINGS;
  const [policy, status, lease, maxAttempts, deadLetter, delay, ttl, maxLength, window, extra] = values;
  return {
    policy: policyOf(policy),
    status: statusOf(status),
    leaseSeconds: integerOf(lease, d.leaseSeconds, 'lease'),
    maxAttempts: integerOf(maxAttempts, d.maxAttempts, 'max_attempts'),
    deadLetter: deadLetter === null || deadLetter === undefined || deadLetter === '' ? d.deadLetter : asString(deadLetter, 'dead_letter'),
    delaySeconds: integerOf(delay, d.delaySeconds, 'delay'),
    ttlSeconds: numberOr(ttl, d.ttlSeconds, 'ttl'),
    maxLength: numberOr(maxLength, d.maxLength, 'max_length'),
    dedupWindowSeconds: integerOf(window, d.dedupWindowSeconds, 'dedup_window'),
    extra: extra === null || extra === undefined || extra === '' ? d.extra : asString(extra, 'extra'),
  };
}

/** Queue metadata in Redis. */
export class RedisQueues implements QueueStore {
  constructor(
    private readonly ctx: RedisContext,
    /** Told the expiry tallies a stats call collects (see lib/queue.lua `collectTallies`). */
    private readonly settled: SettleListeners = new SettleListeners(),
  ) {}

  settings(queue: string): Promise<QueueSettings> {
    return this.ctx.call(async () => {
      const values = await this.ctx.clientFor(queue).hmget(this.ctx.keys.queue(queue).meta, ...ORDER.map((f) => FIELDS[f]));
      return settingsOf(values);
    });
  }

  updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<QueueSettings> {
    return this.ctx.call(async () => {
      await this.ctx.register(queue);
      const args: (string | number)[] = [now];
      for (const name of ORDER) {
        const value = patch[name];
        if (value !== undefined) args.push(FIELDS[name], value === null ? '' : value);
      }
      const meta = this.ctx.keys.queue(queue).meta;
      const reply = asArray(await this.ctx.script(queue, 'settings-1', [meta], args), 'settings');
      if (asInt(reply[0], 'settings created') === 1) await this.ctx.register(queue, true);
      return settingsOf(reply.slice(1));
    });
  }

  list(): Promise<string[]> {
    return this.ctx.call(async () => {
      const names = await this.ctx.primary.smembers(this.ctx.keys.registry);
      return names.sort();
    });
  }

  stats(queue: string, now: number): Promise<QueueStats | null> {
    return this.ctx.call(async () => {
      for (;;) {
        const r = asArray(await this.ctx.queueScript(queue, 'stats-15', [now, EXPIRED_BUDGET]), 'stats');
        if (r.length === 0) return null;
        this.settled.report('expired', queue, asInt(r[12] ?? 0, 'stats expired'));
        this.settled.report('lease_dead_lettered', queue, asInt(r[13] ?? 0, 'stats lease dead'));
        if (r[0] === 1) continue;
        const oldestSeq = asString(r[6], 'stats oldest');
        const oldestCreated = asString(r[7], 'stats oldest created');
        return {
          queue,
          length: asInt(r[5], 'stats length'),
          ready: asInt(r[8], 'stats ready'),
          leased: asInt(r[9], 'stats leased'),
          delayed: asInt(r[10], 'stats held') - asInt(r[9], 'stats leased'),
          deadLetters: asInt(r[11], 'stats dead'),
          policy: policyOf(r[3] === '' ? null : r[3]),
          status: statusOf(r[4] === '' ? null : r[4]),
          published: asInt(r[1], 'stats seq'),
          createdAt: asInt(r[2], 'stats created'),
          oldestKey: oldestSeq === '' ? null : formatKey(queue, asInt(oldestSeq, 'stats oldest')),
          oldestAgeMs: oldestCreated === '' ? null : Math.max(0, now - asInt(oldestCreated, 'stats oldest created')),
        };
      }
    });
  }

  drop(queue: string): Promise<number> {
    return this.ctx.call(async () => {
      const deleted = asInt(await this.ctx.script(queue, 'drop-17', this.ctx.keys.queueWithHistory(queue), []), 'drop');
      const client = this.ctx.primary;
      this.ctx.unregistered(queue);
      await client.srem(this.ctx.keys.registry, queue);
      await client.zrem(this.ctx.keys.dueRegistry, queue);
      await client.hdel(this.ctx.keys.dueTouches, queue);
      return deleted;
    });
  }
}
