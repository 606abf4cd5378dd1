/**
 * The Redis store: the Store contract over standalone Redis, Sentinel or Cluster. Each
 * multi-key step is one Lua script over the queue's own keys (one hash slot, see keys.ts),
 * so many daemons can share one Redis and see one set of queues. Appends and takes for
 * the same queue that arrive in the same event-loop turn share one script call.
 *
 * A promise that resolves means Redis executed the change; how durable that is follows
 * Redis's own persistence settings (docs/redis.md).
 */
import type { NewMessage, Policy, QueueSettings, QueueStats, QueueStatus, StoredMessage } from '../../core/types.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import { formatKey } from '../../core/names.js';
import { RestMQError } from '../../core/errors.js';
import type { MessageStore, QueueStore, Store } from '../contract.js';
import { TurnBatcher } from './batcher.js';
import { guard, unexpectedReply } from './errors.js';
import { KeySpace } from './keys.js';
import { asArray, asInt, asString, decodeMessage } from './replies.js';
import type { RedisClient, ScriptName, Scripts } from './scripts.js';

/** How many expired messages one script call may delete before it yields to other clients. */
const EXPIRED_BUDGET = 1000;

/** Rough bound on the value characters one append script call carries. */
const BATCH_CHARS = 4 * 1024 * 1024;

/** Queue names remembered as registered before the memory is dropped and rebuilt. */
const REGISTERED_CACHE_LIMIT = 100_000;

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

/** The connections, scripts and key space shared by both roles. */
class RedisContext {
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private readonly registered = new Set<string>();

  constructor(
    readonly clients: readonly RedisClient[],
    readonly keys: KeySpace,
    private readonly scripts: Scripts,
  ) {
    // After a reconnect Redis may have lost data (no persistence, a failover): register anew.
    for (const client of clients) client.on('ready', () => this.registered.clear());
  }

  /** The connection that serves `queue`: always the same one, so its commands stay ordered. */
  clientFor(queue: string): RedisClient {
    if (this.clients.length === 1) return this.clients[0] as RedisClient;
    let h = 0;
    for (let i = 0; i < queue.length; i++) h = (h * 31 + queue.charCodeAt(i)) >>> 0;
    return this.clients[h % this.clients.length] as RedisClient;
  }

  /** Runs `work` with failures mapped to `store_unavailable`, counted so close can wait. */
  async call<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await guard(work());
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.idle !== null) this.idle();
    }
  }

  /** Runs a script for `queue` on its connection. */
  script(queue: string, name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.scripts.run(this.clientFor(queue), name, keys, args);
  }

  /** True when this daemon already put `queue` in the registry since it last connected. */
  isRegistered(queue: string): boolean {
    return this.registered.has(queue);
  }

  /** Adds `queue` to the registry of names once per connection lifetime. */
  async register(queue: string): Promise<void> {
    if (this.registered.has(queue)) return;
    await (this.clients[0] as RedisClient).sadd(this.keys.registry, queue);
    if (this.registered.size >= REGISTERED_CACHE_LIMIT) this.registered.clear();
    this.registered.add(queue);
  }

  /** Resolves once no call is running. */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = () => {
        this.idle = null;
        resolve();
      };
    });
  }
}

class RedisStore implements Store {
  readonly kind = 'redis';
  readonly messages: RedisMessages;
  readonly queues: QueueStore;
  private readonly ctx: RedisContext;
  private closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    this.ctx = new RedisContext(options.clients, options.keys, options.scripts);
    this.messages = new RedisMessages(this.ctx);
    this.queues = new RedisQueues(this.ctx);
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

interface AppendInput {
  readonly messages: readonly NewMessage[];
  readonly now: number;
}

interface TakeInput {
  readonly limit: number;
  readonly now: number;
}

class RedisMessages implements MessageStore {
  private readonly appends: TurnBatcher<AppendInput, string[]>;
  private readonly takes: TurnBatcher<TakeInput, StoredMessage[]>;

  constructor(private readonly ctx: RedisContext) {
    this.appends = new TurnBatcher((batchKey, inputs) => this.appendBatch(queueOf(batchKey), inputs));
    this.takes = new TurnBatcher((batchKey, inputs) => this.takeBatch(queueOf(batchKey), inputs));
  }

  /** Sends whatever is batched now. */
  flush(): void {
    this.appends.flush();
    this.takes.flush();
  }

  async append(queue: string, messages: readonly NewMessage[], now: number): Promise<string[]> {
    if (messages.length === 0) return [];
    if (!this.ctx.isRegistered(queue)) await this.ctx.call(() => this.ctx.register(queue));
    return this.appends.submit(`${queue}|${now}`, { messages, now });
  }

  private appendBatch(queue: string, inputs: readonly AppendInput[]): Promise<string[][]> {
    return this.ctx.call(async () => {
      const out: string[][] = [];
      for (const chunk of chunkBySize(inputs)) out.push(...(await this.appendChunk(queue, chunk)));
      return out;
    });
  }

  /** One script call storing every message of `inputs`; each input's messages get consecutive keys. */
  private async appendChunk(queue: string, inputs: readonly AppendInput[]): Promise<string[][]> {
    const k = this.ctx.keys.queue(queue);
    const args: (string | number)[] = [(inputs[0] as AppendInput).now, 0];
    for (const input of inputs) {
      for (const m of input.messages) args.push(m.value, m.expiresAt === null ? '' : Math.floor(m.expiresAt));
    }
    args[1] = (args.length - 2) / 2;
    const first = asInt(await this.ctx.script(queue, 'append-4', [k.meta, k.ready, k.exp, k.msg], args), 'append');
    let seq = first;
    return inputs.map((input) => input.messages.map(() => formatKey(queue, seq++)));
  }

  take(queue: string, limit: number, now: number): Promise<StoredMessage[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.takes.submit(`${queue}|${now}`, { limit, now });
  }

  private takeBatch(queue: string, inputs: readonly TakeInput[]): Promise<StoredMessage[][]> {
    return this.ctx.call(async () => {
      const k = this.ctx.keys.queue(queue);
      const total = inputs.reduce((sum, i) => sum + i.limit, 0);
      const now = (inputs[0] as TakeInput).now;
      const taken: StoredMessage[] = [];
      for (;;) {
        const reply = asArray(
          await this.ctx.script(queue, 'take-4', [k.ready, k.exp, k.msg, k.reads], [now, total - taken.length, EXPIRED_BUDGET]),
          'take',
        );
        for (let i = 1; i + 2 < reply.length; i += 3) taken.push(decodeMessage(queue, reply[i], reply[i + 1], reply[i + 2]));
        if (reply[0] !== 1 || taken.length >= total) break;
      }
      let next = 0;
      return inputs.map((input) => {
        const mine = taken.slice(next, next + input.limit);
        next += mine.length;
        return mine;
      });
    });
  }

  readOldest(queue: string, now: number): Promise<StoredMessage | null> {
    return this.ctx.call(async () => {
      const k = this.ctx.keys.queue(queue);
      for (;;) {
        const reply = asArray(await this.ctx.script(queue, 'read-oldest-4', [k.ready, k.exp, k.msg, k.reads], [now, EXPIRED_BUDGET]), 'readOldest');
        if (reply.length === 4) return decodeMessage(queue, reply[1], reply[2], reply[3]);
        if (reply[0] !== 1) return null;
      }
    });
  }

  latestKeys(queue: string, limit: number): Promise<string[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const seqs = await this.ctx.clientFor(queue).zrevrange(this.ctx.keys.queue(queue).ready, 0, limit - 1);
      return seqs.map((s) => formatKey(queue, asInt(s, 'latest key')));
    });
  }

  remove(queue: string, seq: number): Promise<boolean> {
    return this.ctx.call(async () => {
      const k = this.ctx.keys.queue(queue);
      return asInt(await this.ctx.script(queue, 'remove-4', [k.ready, k.exp, k.msg, k.reads], [seq]), 'remove') === 1;
    });
  }

  purge(queue: string): Promise<number> {
    return this.ctx.call(async () => {
      const k = this.ctx.keys.queue(queue);
      return asInt(await this.ctx.script(queue, 'purge-4', [k.ready, k.exp, k.msg, k.reads], []), 'purge');
    });
  }
}

/**
 * Splits a batch so one script call carries at most about BATCH_CHARS of values: a script
 * blocks Redis while it runs, so a turn full of large messages becomes several short calls.
 * One caller's messages always stay in one call (all stored or none).
 */
function chunkBySize(inputs: readonly AppendInput[]): AppendInput[][] {
  const chunks: AppendInput[][] = [];
  let current: AppendInput[] = [];
  let size = 0;
  for (const input of inputs) {
    const own = input.messages.reduce((sum, m) => sum + m.value.length, 0);
    if (current.length > 0 && size + own > BATCH_CHARS) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(input);
    size += own;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The queue part of a batch key `<queue>|<now>` (queue names cannot hold a pipe). */
function queueOf(batchKey: string): string {
  return batchKey.slice(0, batchKey.lastIndexOf('|'));
}

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

class RedisQueues implements QueueStore {
  constructor(private readonly ctx: RedisContext) {}

  settings(queue: string): Promise<QueueSettings> {
    return this.ctx.call(async () => {
      const [policy, status] = await this.ctx.clientFor(queue).hmget(this.ctx.keys.queue(queue).meta, 'policy', 'status');
      return { policy: policyOf(policy), status: statusOf(status) };
    });
  }

  updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<QueueSettings> {
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
