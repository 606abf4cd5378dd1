/**
 * The queue-metadata role of the Redis store: settings, the queue list and stats.
 */
import { formatKey } from '../../core/names.js';
import type { Policy, QueueSettings, QueueStats, QueueStatus } from '../../core/types.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import type { QueueStore } from '../contract.js';
import type { RedisContext } from './context.js';
import { unexpectedReply } from './errors.js';
import { EXPIRED_BUDGET } from './messages.js';
import { asArray, asInt, asString } from './replies.js';
import type { RedisClient } from './scripts.js';

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

/** Queue metadata in Redis. */
// INTERIM (redis-stream): full settings and drop live in interim-reliable.ts until redis-reliable lands.
export class RedisQueues implements Omit<QueueStore, 'drop' | 'settings' | 'updateSettings'> {
  constructor(private readonly ctx: RedisContext) {}

  settings(queue: string): Promise<Pick<QueueSettings, 'policy' | 'status'>> {
    return this.ctx.call(async () => {
      const [policy, status] = await this.ctx.clientFor(queue).hmget(this.ctx.keys.queue(queue).meta, 'policy', 'status');
      return { policy: policyOf(policy), status: statusOf(status) };
    });
  }

  updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<Pick<QueueSettings, 'policy' | 'status'>> {
    return this.ctx.call(async () => {
      await this.ctx.register(queue);
      const meta = this.ctx.keys.queue(queue).meta;
      const reply = asArray(await this.ctx.script(queue, 'settings-1', [meta], [now, patch.policy ?? '', patch.status ?? '']), 'settings');
      return { policy: policyOf(reply[0]), status: statusOf(reply[1]) };
    });
  }

  list(): Promise<string[]> {
    return this.ctx.call(async () => {
      const names = await (this.ctx.clients[0] as RedisClient).smembers(this.ctx.keys.registry);
      return names.sort();
    });
  }

  stats(queue: string, now: number): Promise<QueueStats | null> {
    return this.ctx.call(async () => {
      const k = this.ctx.keys.queue(queue);
      for (;;) {
        const r = asArray(await this.ctx.script(queue, 'stats-5', [k.meta, k.ready, k.exp, k.msg, k.reads], [now, EXPIRED_BUDGET]), 'stats');
        if (r.length === 0) return null;
        if (r[0] === 1) continue;
        const oldestSeq = asString(r[6], 'stats oldest');
        const oldestCreated = asString(r[7], 'stats oldest created');
        return {
          queue,
          length: asInt(r[5], 'stats length'),
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
}
