/**
 * The message role of the Redis store: guarded publish, take, soft read, peek, read,
 * latest keys, remove and purge, each one script over the queue's keys. Publishes and
 * takes for the same queue in the same event-loop turn share one script call (batcher.ts). Every script that reads or takes ready messages settles the queue's
 * due work first (lib/queue.lua); dead letters that settling produced are delivered to
 * their queue before the call answers (moves.ts).
 */
import { at as element } from '../../core/checked.js';
import { formatKey } from '../../core/names.js';
import type { StoredMessage } from '../../core/types.js';
import type { MessageStore, PublishEntry, PublishOutcome } from '../contract.js';
import { TurnBatcher } from './batcher.js';
import type { RedisContext } from './context.js';
import type { Moves } from './moves.js';
import { asArray, asInt, asString, decodeRow, decodeRows, ROW_FIELDS } from './replies.js';

/** How many expired messages (or due ones) one script call may handle before it yields to other clients. */
export const EXPIRED_BUDGET = 1000;

/** Rough bound on the value characters one batched script call carries. */
const BATCH_CHARS = 4 * 1024 * 1024;

interface PublishInput {
  readonly entries: readonly PublishEntry[];
  readonly now: number;
}

interface TakeInput {
  readonly limit: number;
  readonly now: number;
}

/** ARGV text of an optional number ('' for absent or null). */
function opt(n: number | null | undefined): string | number {
  return n === null || n === undefined ? '' : Math.floor(n);
}

/** Messages in Redis. */
export class RedisMessages implements MessageStore {
  private readonly publishes: TurnBatcher<PublishInput, PublishOutcome>;
  private readonly takes: TurnBatcher<TakeInput, StoredMessage[]>;

  constructor(
    private readonly ctx: RedisContext,
    private readonly moves: Moves,
  ) {
    this.publishes = new TurnBatcher((batchKey, inputs) => this.publishBatch(queueOf(batchKey), inputs));
    this.takes = new TurnBatcher((batchKey, inputs) => this.takeBatch(queueOf(batchKey), inputs));
  }

  /** Sends whatever is batched now. */
  flush(): void {
    this.publishes.flush();
    this.takes.flush();
  }

  async publish(queue: string, entries: readonly PublishEntry[], now: number): Promise<PublishOutcome> {
    if (entries.length === 0) return { kind: 'stored', keys: [], duplicate: [] };
    // One deadline over the registration and the batched script call.
    return this.ctx.call(async () => {
      if (!this.ctx.isRegistered(queue)) await this.ctx.register(queue);
      return this.publishes.submit(`${queue}|${now}`, { entries, now });
    });
  }

  private publishBatch(queue: string, inputs: readonly PublishInput[]): Promise<PublishOutcome[]> {
    return this.ctx.call(async () => {
      const out: PublishOutcome[] = [];
      for (const chunk of chunkBySize(inputs, (i) => i.entries)) out.push(...(await this.publishChunk(queue, chunk)));
      return out;
    });
  }

  /** One script call for several publishes, each all or nothing on its own. */
  private async publishChunk(queue: string, inputs: readonly PublishInput[]): Promise<PublishOutcome[]> {
    const now = element(inputs, 0, 'publish input').now;
    const args: (string | number)[] = [now, inputs.length];
    for (const input of inputs) {
      // A group that sets no ttl, delay or dedup id sends only its values (see publish-15.lua).
      if (input.entries.every((e) => (e.ttlMs ?? null) === null && (e.delayMs ?? null) === null && (e.dedupId ?? null) === null)) {
        args.push(-input.entries.length);
        for (const e of input.entries) args.push(e.value);
        continue;
      }
      args.push(input.entries.length);
      for (const e of input.entries) args.push(e.value, opt(e.ttlMs), opt(e.delayMs), e.dedupId ?? '');
    }
    const reply = asArray(await this.ctx.queueScript(queue, 'publish-15', args), 'publish');
    // The messages are stored now: a failure from here on must not turn their answer into a
    // 503 (a retry would store them twice). The queue was registered before the publish;
    // this repeat only covers a queue dropped meanwhile, and the next publish retries it.
    if (asInt(reply[0], 'publish created') === 1) await this.ctx.register(queue, true).catch(this.ctx.failures.handler('queue registry'));
    const due = asString(reply[1], 'publish due');
    if (due !== '') await this.ctx.due.mark(queue, asInt(due, 'publish due'));
    let at = 2;
    return inputs.map((): PublishOutcome => {
      const stored = asInt(reply[at], 'publish outcome');
      if (stored === 0) {
        const length = asInt(reply[at + 1], 'publish length');
        at += 2;
        return { kind: 'full', length };
      }
      const n = asInt(reply[at + 1], 'publish count');
      const keys = reply.slice(at + 2, at + 2 + n).map((s) => formatKey(queue, asInt(s, 'publish seq')));
      const duplicate = reply.slice(at + 2 + n, at + 2 + 2 * n).map((d) => asInt(d, 'publish duplicate') === 1);
      at += 2 + 2 * n;
      return { kind: 'stored', keys, duplicate };
    });
  }

  take(queue: string, limit: number, now: number, maxBytes?: number): Promise<StoredMessage[]> {
    if (limit <= 0) return Promise.resolve([]);
    // A budget belongs to one caller, so a bounded take of several runs on its own.
    if (maxBytes !== undefined && limit > 1) return this.takeWithin(queue, limit, now, maxBytes);
    return this.takes.submit(`${queue}|${now}`, { limit, now });
  }

  private takeWithin(queue: string, limit: number, now: number, maxBytes: number): Promise<StoredMessage[]> {
    return this.ctx.call(async () => {
      const taken: StoredMessage[] = [];
      let bytes = 0;
      let pending: unknown = 0;
      for (;;) {
        const args = [now, limit - taken.length, EXPIRED_BUDGET, this.ctx.nonce(), maxBytes - bytes, taken.length === 0 ? '1' : '0'];
        const reply = asArray(await this.ctx.queueScript(queue, 'take-15', args), 'take');
        pending = reply[1];
        const got = decodeRows(queue, reply, 2);
        taken.push(...got);
        bytes += got.reduce((sum, m) => sum + Buffer.byteLength(m.value, 'utf8'), 0);
        if (reply[0] !== 1 || taken.length >= limit) break;
      }
      await this.moves.drainQuietly(queue, pending, now);
      return taken;
    });
  }

  private takeBatch(queue: string, inputs: readonly TakeInput[]): Promise<StoredMessage[][]> {
    return this.ctx.call(async () => {
      const total = inputs.reduce((sum, i) => sum + i.limit, 0);
      const now = element(inputs, 0, 'take input').now;
      const taken: StoredMessage[] = [];
      let pending: unknown = 0;
      for (;;) {
        const reply = asArray(await this.ctx.queueScript(queue, 'take-15', [now, total - taken.length, EXPIRED_BUDGET, this.ctx.nonce()]), 'take');
        pending = reply[1];
        taken.push(...decodeRows(queue, reply, 2));
        if (reply[0] !== 1 || taken.length >= total) break;
      }
      await this.moves.drainQuietly(queue, pending, now);
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
      for (;;) {
        const reply = asArray(await this.ctx.queueScript(queue, 'read-oldest-15', [now, EXPIRED_BUDGET, this.ctx.nonce()]), 'readOldest');
        await this.moves.drainQuietly(queue, reply[1], now);
        if (reply.length === 2 + ROW_FIELDS) return decodeRow(queue, reply, 2);
        if (reply[0] !== 1) return null;
      }
    });
  }

  peek(queue: string, limit: number, now: number, maxBytes?: number): Promise<StoredMessage[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const args = [now, limit, EXPIRED_BUDGET, this.ctx.nonce(), maxBytes ?? ''];
      const reply = asArray(await this.ctx.queueScript(queue, 'peek-15', args), 'peek');
      await this.moves.drainQuietly(queue, reply[0], now);
      return decodeRows(queue, reply, 1);
    });
  }

  read(queue: string, seq: number, now: number): Promise<StoredMessage | null> {
    return this.ctx.call(async () => {
      const reply = asArray(await this.ctx.queueScript(queue, 'read-15', [seq, now, EXPIRED_BUDGET, this.ctx.nonce()]), 'read');
      await this.moves.drainQuietly(queue, reply[0], now);
      return reply.length === 1 + ROW_FIELDS ? decodeRow(queue, reply, 1) : null;
    });
  }

  nextDueAt(queue: string, now: number): Promise<number | null> {
    return this.ctx.call(async () => {
      const first = await this.ctx.clientFor(queue).zrangebyscore(this.ctx.keys.queue(queue).due, `(${Math.floor(now)}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
      return first.length < 2 ? null : asInt(first[1], 'next due');
    });
  }

  latestKeys(queue: string, limit: number): Promise<string[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const k = this.ctx.keys.queue(queue);
      const client = this.ctx.clientFor(queue);
      const [ready, held] = await Promise.all([client.zrevrange(k.ready, 0, limit - 1), client.zrevrange(k.held, 0, limit - 1)]);
      const seqs = [...ready, ...held].map((s) => asInt(s, 'latest key')).sort((a, b) => b - a);
      return seqs.slice(0, limit).map((seq) => formatKey(queue, seq));
    });
  }

  remove(queue: string, seq: number): Promise<boolean> {
    return this.ctx.call(async () => asInt(await this.ctx.queueScript(queue, 'remove-15', [seq]), 'remove') === 1);
  }

  purge(queue: string): Promise<number> {
    return this.ctx.call(async () => asInt(await this.ctx.script(queue, 'purge-17', this.ctx.keys.queueWithHistory(queue), []), 'purge'));
  }
}

/**
 * Splits a batch so one script call carries at most about BATCH_CHARS of values: a script
 * blocks Redis while it runs, so a turn full of large messages becomes several short calls.
 * One caller's messages always stay in one call (all stored or none).
 */
function chunkBySize<T>(inputs: readonly T[], items: (input: T) => readonly { readonly value: string }[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const input of inputs) {
    const own = items(input).reduce((sum, m) => sum + m.value.length, 0);
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
