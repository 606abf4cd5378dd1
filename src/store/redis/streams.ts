/**
 * The streaming role of the Redis store: the broadcast history of each queue is a capped
 * Redis stream (`{q}:history`) plus an index by key (`{q}:history-index`), both on the
 * queue's hash slot. A take-for-broadcast is one script: the messages leave the queue and
 * enter the stream together, so no crash or concurrent daemon can lose one or show it
 * twice. Every daemon tails the same stream ({@link SharedHistory}) to feed its own
 * consumers; a resuming consumer reads it by key through the index.
 *
 * Stream entry ids are `<streamedAt ms>-<n>`, never below the last id, so they increase
 * even when daemons' clocks disagree, and trimming by age is a MINID trim.
 */
import { formatKey } from '../../core/names.js';
import type { HistoryRetention, StoredMessage } from '../../core/types.js';
import type { HistoryPage, SharedHistory, StreamStore } from '../contract.js';
import type { RedisContext } from './context.js';
import type { Moves } from './moves.js';
import { unexpectedReply } from './errors.js';
import { EXPIRED_BUDGET } from './messages.js';
import { asArray, asInt, asString, decodeRecord } from './replies.js';

/** The largest sequence part of a stream id (64 bits). */
const LAST_SEQ = '18446744073709551615';

/** Stream entry ids as Redis writes them. */
const STREAM_ID = /^[0-9]{1,20}-[0-9]{1,20}$/;

/** Decodes `<createdAt>|<expiresAt or empty>|<value>` into a streamed message. */
function decodeStreamed(queue: string, seqReply: unknown, rawReply: unknown, readsReply: unknown): StoredMessage {
  const seq = asInt(seqReply, 'history seq');
  return {
    key: formatKey(queue, seq),
    seq,
    ...decodeRecord(asString(rawReply, 'history message'), 'history message'),
    reads: asInt(readsReply, 'history reads'),
    // Streamed messages are out of the queue: never leased, delayed or dead-lettered here.
    attempts: 0,
    state: 'ready',
    visibleAt: 0,
    deadLetter: null,
  };
}

/** The stored form of a message, as `msg` and the history hold it. */
function encode(message: StoredMessage): string {
  return `${message.createdAt}|${message.expiresAt === null ? '' : message.expiresAt}|${message.value}`;
}

/** The Redis broadcast history. */
export class RedisStreams implements StreamStore, SharedHistory {
  constructor(
    private readonly ctx: RedisContext,
    /** Delivers dead letters that settling the queue before a take put in its outbox. */
    private readonly moves: Moves,
  ) {}

  /** The queue's 15 keys (lib/queue.lua) followed by its two history keys. */
  private keysOf(queue: string): string[] {
    const h = this.ctx.keys.history(queue);
    return [...this.ctx.keys.queue(queue).all, h.history, h.index];
  }

  takeForBroadcast(queue: string, limit: number, maxBytes: number, now: number, retention: HistoryRetention): Promise<StoredMessage[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const keys = this.keysOf(queue);
      const taken: StoredMessage[] = [];
      let bytes = 0;
      let pending: unknown = 0;
      for (;;) {
        const reply = asArray(
          await this.ctx.script(queue, 'take-broadcast-17', keys, [
            now,
            limit - taken.length,
            Math.max(0, maxBytes - bytes),
            EXPIRED_BUDGET,
            retention.maxMessages,
            retention.maxAgeMs,
            this.ctx.nonce(),
          ]),
          'takeForBroadcast',
        );
        pending = reply[1];
        for (let i = 2; i + 2 < reply.length; i += 3) {
          const message = decodeStreamed(queue, reply[i], reply[i + 1], reply[i + 2]);
          taken.push(message);
          bytes += Buffer.byteLength(message.value, 'utf8');
        }
        // Only an exhausted expiry budget stops a call early; go on within the limits left.
        if (reply[0] !== 1 || taken.length >= limit || bytes >= maxBytes) break;
      }
      await this.moves.drainQuietly(queue, pending, now);
      return taken;
    });
  }

  readHistory(queue: string, afterSeq: number, limit: number, now: number, retention: HistoryRetention): Promise<StoredMessage[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const h = this.ctx.keys.history(queue);
      const reply = asArray(
        await this.ctx.script(queue, 'read-history-2', [h.history, h.index], [now, afterSeq, limit, retention.maxMessages, retention.maxAgeMs]),
        'readHistory',
      );
      const out: StoredMessage[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) out.push(decodeStreamed(queue, reply[i], reply[i + 1], 0));
      return out;
    });
  }

  restore(queue: string, messages: readonly StoredMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.ctx.call(async () => {
      const args: (string | number)[] = [messages.length];
      for (const m of messages) args.push(m.seq, encode(m), m.reads);
      asInt(await this.ctx.script(queue, 'restore-17', this.keysOf(queue), args), 'restore');
    });
  }


  positionAt(time: number): string {
    // Exclusive reads start after this id: the last possible id of the millisecond before.
    return `${Math.max(0, Math.floor(time) - 1)}-${LAST_SEQ}`;
  }

  after(queue: string, position: string, limit: number, now: number): Promise<HistoryPage> {
    if (!STREAM_ID.test(position)) return Promise.reject(new Error(`not a history position: ${position.slice(0, 40)}`));
    return this.ctx.call(async () => {
      const entries = await this.ctx.clientFor(queue).xrange(this.ctx.keys.history(queue).history, `(${position}`, '+', 'COUNT', limit);
      const messages: StoredMessage[] = [];
      let last = position;
      for (const [id, fields] of entries) {
        last = streamId(id);
        const message = decodeStreamed(queue, fields[1], fields[3], 0);
        if (message.expiresAt === null || message.expiresAt > now) messages.push(message);
      }
      return { messages, position: last, more: entries.length === limit };
    });
  }
}

function streamId(reply: unknown): string {
  const id = asString(reply, 'history id');
  if (!STREAM_ID.test(id)) throw unexpectedReply('history id', id);
  return id;
}
