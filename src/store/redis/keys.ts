/**
 * Redis key names. Every key of one queue carries the hash tag `{<queue>}` so that a
 * Cluster keeps them on one slot and a Lua script may touch them together; the prefix
 * lets several deployments share one Redis. Queue names cannot hold braces, and the
 * prefix is checked for them at start, so the tag is always the queue name.
 */

/** The keys of one queue, in the order the Lua scripts take them. */
export interface QueueKeys {
  /** Hash: seq (last number given), created, policy, status. */
  readonly meta: string;
  /** Sorted set of stored sequence numbers, scored by themselves: FIFO order. */
  readonly ready: string;
  /** Sorted set of the sequence numbers that have an expiry, scored by it. */
  readonly exp: string;
  /** Hash: seq → `<createdAt>|<expiresAt or empty>|<value>`. */
  readonly msg: string;
  /** Hash: seq → soft-read count (only for messages read at least once). */
  readonly reads: string;
}

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
    return { meta: `${base}meta`, ready: `${base}ready`, exp: `${base}exp`, msg: `${base}msg`, reads: `${base}reads` };
  }

  /** The broadcast history keys of `queue`; same hash tag as its other keys. */
  history(queue: string): HistoryKeys {
    const base = `${this.prefix}{${queue}}:`;
    return { history: `${base}history`, index: `${base}history-index` };
  }

  /** The set of every queue name (the one key outside any queue's slot). */
  get registry(): string {
    return `${this.prefix}queues`;
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
