/**
 * The store contract, in queue terms and split by role. The Broker is the only caller;
 * each implementation owns its connections and its durability, and a promise that
 * resolves means the change is durable under that store's documented policy. One
 * conformance suite (test/conformance) runs unchanged against every implementation.
 *
 * Times are passed in (`now`, ms since the epoch) so that stores never read a clock of
 * their own and tests can drive expiry exactly.
 */
import type { HistoryRetention, NewMessage, QueueSettings, QueueStats, StoredMessage } from '../core/types.js';

/** Messages: append, take, read. Leases and delays will join here as new methods. */
export interface MessageStore {
  /**
   * Appends messages to `queue` (creating the queue on first use) in one atomic step and
   * returns their keys in order. All are stored or none.
   */
  append(queue: string, messages: readonly NewMessage[], now: number): Promise<string[]>;
  /** Removes and returns up to `limit` of the oldest deliverable messages, oldest first. */
  take(queue: string, limit: number, now: number): Promise<StoredMessage[]>;
  /** Returns the oldest deliverable message without removing it, counting the read. */
  readOldest(queue: string, now: number): Promise<StoredMessage | null>;
  /** Returns up to `limit` of the newest keys, newest first (for the /j page). */
  latestKeys(queue: string, limit: number): Promise<string[]>;
  /** Deletes one message by its sequence number; false when it was not there. */
  remove(queue: string, seq: number): Promise<boolean>;
  /** Deletes every message of `queue`; returns how many. Key numbering continues. */
  purge(queue: string): Promise<number>;
}

/** Queue metadata: existence, settings, listing and stats. */
export interface QueueStore {
  /** The queue's settings, or the defaults when it was never configured. */
  settings(queue: string): Promise<QueueSettings>;
  /** Changes settings (creating the queue on first use) and returns the result. */
  updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<QueueSettings>;
  /** Names of every known queue, sorted. */
  list(): Promise<string[]>;
  /** Stats of one queue, or null when it does not exist. */
  stats(queue: string, now: number): Promise<QueueStats | null>;
}

/**
 * Streaming: the broadcast history that lets a reconnecting consumer resume, and the moves
 * between the queue and it. A broadcast message leaves the queue and enters the history in
 * the same atomic step, so a crash never loses it nor shows it twice. On a shared store
 * (Redis) the history is what every daemon tails to feed its own consumers (a capped
 * stream); on SQLite it is a table read by the one daemon.
 */
export interface StreamStore {
  /**
   * Atomically removes up to `limit` of the oldest deliverable messages from `queue`,
   * stopping early once their values reach `maxBytes` UTF-8 bytes in total (the oldest is
   * always included), appends them to the queue's broadcast history (stamped `now`),
   * trims the history to `retention` (count and age), and returns the moved messages
   * oldest first.
   */
  takeForBroadcast(
    queue: string,
    limit: number,
    maxBytes: number,
    now: number,
    retention: HistoryRetention,
  ): Promise<StoredMessage[]>;
  /**
   * History entries of `queue` with a sequence number above `afterSeq`, oldest first, at
   * most `limit`, leaving out entries streamed at or before `now - retention.maxAgeMs` and
   * any beyond the newest `retention.maxMessages`.
   */
  readHistory(queue: string, afterSeq: number, limit: number, now: number, retention: HistoryRetention): Promise<StoredMessage[]>;
  /**
   * Puts messages the dispatcher took but could not hand to any consumer back into
   * `queue` at their own keys (so FIFO order by key holds), and removes them from the
   * history if they were there. Messages the queue holds again are left as they are.
   */
  restore(queue: string, messages: readonly StoredMessage[]): Promise<void>;
  /** The highest sequence number in the history of `queue`, or 0 when it is empty. */
  historyTail(queue: string): Promise<number>;
  /** Forgets the broadcast history of `queue` (purge). */
  clearHistory(queue: string): Promise<void>;
}

/** A complete store: its roles plus its lifecycle. */
export interface Store {
  readonly messages: MessageStore;
  readonly queues: QueueStore;
  readonly streams: StreamStore;
  /** Human name for logs and /readyz ("sqlite", "redis"). */
  readonly kind: string;
  /** Resolves when the store can serve; rejects with `store_unavailable` otherwise. */
  ping(): Promise<void>;
  /** Finishes pending work, then releases connections and files. Idempotent. */
  close(): Promise<void>;
}
