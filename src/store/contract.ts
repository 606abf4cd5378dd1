/**
 * The store contract, in queue terms and split by role. The Broker is the only caller;
 * each implementation owns its connections and its durability, and a promise that
 * resolves means the change is durable under that store's documented policy. One
 * conformance suite (test/conformance) runs unchanged against every implementation.
 *
 * Times are passed in (`now`, ms since the epoch) so that stores never read a clock of
 * their own and tests can drive expiry exactly.
 */
import type { NewMessage, QueueSettings, QueueStats, StoredMessage } from '../core/types.js';

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

/** A complete store: both roles plus its lifecycle. */
export interface Store {
  readonly messages: MessageStore;
  readonly queues: QueueStore;
  /** Human name for logs and /readyz ("sqlite", "redis"). */
  readonly kind: string;
  /** Resolves when the store can serve; rejects with `store_unavailable` otherwise. */
  ping(): Promise<void>;
  /** Finishes pending work, then releases connections and files. Idempotent. */
  close(): Promise<void>;
}
