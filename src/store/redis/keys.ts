/**
 * Redis key names. Every key of one queue carries the hash tag `{<queue>}` so that a
 * Cluster keeps them on one slot and a Lua script may touch them together; the prefix
 * lets several deployments share one Redis. Queue names cannot hold braces, and the
 * prefix is checked for them at start, so the tag is always the queue name.
 */

/** The keys of one queue. */
export interface QueueKeys {
  /** Hash: seq (last number given), created, policy, status and the other settings. */
  readonly meta: string;
  /** Sorted set of the READY messages' sequence numbers, scored by themselves: FIFO order. */
  readonly ready: string;
  /** Sorted set of the sequence numbers that have an expiry (any state), scored by it. */
  readonly exp: string;
  /** Hash: seq → `<createdAt>|<expiresAt or empty>|<value>` (every stored message). */
  readonly msg: string;
  /** Hash: seq → soft-read count (only for messages read at least once). */
  readonly reads: string;
  /** Sorted set of delayed and leased messages, scored by when they become due (ms). */
  readonly due: string;
  /** Sorted set of the same delayed and leased messages, scored by seq (peek and stats order). */
  readonly held: string;
  /** Hash: seq → receipt of its current lease (leased messages only). */
  readonly lease: string;
  /** Hash: seq → `<leases taken>|<first lease time, ms>` (only once leased). */
  readonly attempts: string;
  /** Hash: seq → `<attempts>|<source key>`, the origin of a dead letter. */
  readonly dead: string;
  /** Hash: move id → `<target queue>|<attempts or empty>|<source key or empty>|<value>`: moves out of this queue not yet delivered. */
  readonly outbox: string;
  /** Hash: move id → seq, moves already delivered into this queue (makes delivery idempotent). */
  readonly moved: string;
  /** Sorted set: move id of `moved`, scored by when its entry may be forgotten. */
  readonly movedExp: string;
  /** Hash: dedup id → seq of the message it first stored. */
  readonly dedup: string;
  /** Sorted set: dedup id, scored by when it is forgotten. */
  readonly dedupExp: string;
  /**
   * The 15 keys above in the order every queue script takes them (KEYS[1..15]); see
   * lua/lib/queue.lua.
   */
  readonly all: readonly string[];
}

/** Key name suffixes in script order (KEYS[1] is meta, KEYS[2] ready, ...). */
const SUFFIXES = ['meta', 'ready', 'exp', 'msg', 'reads', 'due', 'held', 'lease', 'attempts', 'dead', 'dlq-out', 'moved', 'moved-exp', 'dedup', 'dedup-exp'] as const;

/** The broadcast history keys of one queue (streams.ts), in the order the stream scripts take them. */
export interface HistoryKeys {
  /**
   * Stream: one entry per message taken for broadcast, id `<streamedAt ms>-<n>` (never
   * below the last id, so ids stay increasing whatever the daemons' clocks say), fields
   * `s` (seq) and `m` (the raw message, as in `msg`).
   */
  readonly history: string;
  /** Sorted set: history entry id, scored by its message's seq (resume by key, restore). */
  readonly index: string;
}

/** Builds key names under one prefix. */
export class KeySpace {
  constructor(
    /** Prepended to every key and channel, e.g. `restmq:`. */
    readonly prefix: string,
  ) {}

  /** Every key of `queue`. */
  queue(queue: string): QueueKeys {
    const base = `${this.prefix}{${queue}}:`;
    const all = SUFFIXES.map((s) => `${base}${s}`);
    const [meta, ready, exp, msg, reads, due, held, lease, attempts, dead, outbox, moved, movedExp, dedup, dedupExp] = all as [
      string, string, string, string, string, string, string, string, string, string, string, string, string, string, string,
    ];
    return { meta, ready, exp, msg, reads, due, held, lease, attempts, dead, outbox, moved, movedExp, dedup, dedupExp, all };
  }

  /** The broadcast history keys of `queue`; same hash tag as its other keys. */
  history(queue: string): HistoryKeys {
    const base = `${this.prefix}{${queue}}:`;
    return { history: `${base}history`, index: `${base}history-index` };
  }

  /** Every key of `queue` and then its two history keys: the 17 keys of the scripts that touch both. */
  queueWithHistory(queue: string): string[] {
    const h = this.history(queue);
    return [...this.queue(queue).all, h.history, h.index];
  }

  /** The set of every queue name (the one key outside any queue's slot). */
  get registry(): string {
    return `${this.prefix}queues`;
  }

  /**
   * Sorted set of queue names with due work (delays, leases, dedup ids to forget, moves
   * to deliver), scored by the earliest known due time; the maintenance pass reads it.
   * Outside any queue's slot, so the daemons write it after their scripts, not in them.
   */
  get dueRegistry(): string {
    return `${this.prefix}{due}:queues`;
  }

  /**
   * Hash: queue name → how often due work was registered since the queue last left the
   * due registry; lets a maintenance pass see that work came in while it ran. Same slot
   * as {@link dueRegistry}.
   */
  get dueTouches(): string {
    return `${this.prefix}{due}:touch`;
  }

  /** The pub/sub channel that carries wake-ups for `queue`. */
  channel(queue: string): string {
    return `${this.prefix}signal:{${queue}}`;
  }

  /** The queue a channel belongs to, or null for a channel outside this key space. */
  queueOfChannel(channel: string): string | null {
    const head = `${this.prefix}signal:{`;
    if (!channel.startsWith(head) || !channel.endsWith('}')) return null;
    return channel.slice(head.length, -1);
  }
}
