/**
 * The message role of the Redis store: append, take, soft read, latest keys, remove and
 * purge, each one script over the queue's keys. Appends and takes for the same queue in
 * the same event-loop turn share one script call (batcher.ts).
 */
import { formatKey } from '../../core/names.js';
import type { NewMessage, StoredMessage } from '../../core/types.js';
import type { MessageStore } from '../contract.js';
import { TurnBatcher } from './batcher.js';
import type { RedisContext } from './context.js';
import { asArray, asInt, decodeMessage } from './replies.js';

/** How many expired messages one script call may delete before it yields to other clients. */
export const EXPIRED_BUDGET = 1000;

/** Rough bound on the value characters one append script call carries. */
const BATCH_CHARS = 4 * 1024 * 1024;

interface AppendInput {
  readonly messages: readonly NewMessage[];
  readonly now: number;
}

interface TakeInput {
  readonly limit: number;
  readonly now: number;
}

/** Messages in Redis. */
// INTERIM (redis-stream): the reliable-delivery members live in interim-reliable.ts until redis-reliable lands.
export class RedisMessages implements Omit<MessageStore, 'publish' | 'peek' | 'read' | 'nextDueAt'> {
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

