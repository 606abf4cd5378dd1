/**
 * The store contract, in queue terms and split by role. The Broker is the only caller;
 * each implementation owns its connections and its durability, and a promise that
 * resolves means the change is durable under that store's documented policy. One
 * conformance suite (test/conformance) runs unchanged against every implementation.
 *
 * Times are passed in (`now`, ms since the epoch) so that stores never read a clock of
 * their own and tests can drive expiry exactly.
 *
 * Due work: a delayed message whose `visibleAt` has come becomes ready; a lease that has
 * expired makes its message ready again in its place by key, unless the message has
 * already taken the queue's stored `maxAttempts` leases, in which case it moves to the
 * dead-letter queue (see {@link LeaseStore}). Every operation that reads or takes ready
 * messages of a queue first settles that queue's due work (a bounded number of rows), in
 * the same atomic step; the store's own maintenance settles the rest.
 *
 * Message groups (SQS FIFO queues): a message may belong to a group, carried inside its
 * stored value (core/stored-value.ts, `groupOfStoredValue`). `take`, `lease` and
 * `takeForBroadcast` hand out a grouped message only when its group is free: no message of
 * the group is leased, and none with a lower key is delayed. One call may hand out several
 * messages of a free group, in key order (as an SQS receive does); once one of them is
 * leased, the group is busy until every leased member is acked, released, or its lease
 * ends. Messages without a group are handed out as before, whatever the groups around them.
 * Looking past busy groups costs one step per message passed, so one call looks at most
 * {@link GROUP_LOOKAHEAD} ready messages: a busy group with a longer backlog ahead hides the
 * groups behind it until it is free again.
 */
import type { SettleEvent } from './settle-events.js';
import type { HistoryRetention, LeasedMessage, QueueSettings, QueueStats, StoredMessage } from '../core/types.js';

/** Most ready messages one take, lease or broadcast take looks at while passing busy groups. */
export const GROUP_LOOKAHEAD = 1000;

/**
 * One message of a guarded publish. Absent (or null) ttl and delay take the queue's stored
 * defaults, so the store applies settings in the same atomic step as it stores.
 */
export interface PublishEntry {
  readonly value: string;
  /** Time to live, ms; absent or null takes the queue's `ttlSeconds`. */
  readonly ttlMs?: number | null;
  /** Invisible for this long, ms; absent or null takes the queue's `delaySeconds`. */
  readonly delayMs?: number | null;
  /** Producer's deduplication id, remembered for the queue's `dedupWindowSeconds`. */
  readonly dedupId?: string | null;
}

/** What a guarded publish did. */
export type PublishOutcome =
  /** Every entry has a key, in order; `duplicate[i]` is true when entry i repeated a remembered dedup id and stored nothing (its key is the first one's). */
  | { readonly kind: 'stored'; readonly keys: string[]; readonly duplicate: boolean[] }
  /** Nothing was stored: the new messages would take the queue past `maxLength`. */
  | { readonly kind: 'full'; readonly length: number };

/** Messages: publish, take, read, purge. */
export interface MessageStore {
  /**
   * Stores messages in `queue` (creating the queue on first use), all or nothing in one
   * atomic step, under the queue's stored settings: entries whose `dedupId` is remembered (or repeats an earlier entry) store
   * nothing and answer the first key; new ids are remembered for `dedupWindowSeconds` (0:
   * ignored); everything is refused when the rest would take the queue past `maxLength`
   * (messages of any state count, expired ones do not); `ttlSeconds` and `delaySeconds`
   * fill in what entries leave out. O(entries · log n).
   */
  publish(queue: string, entries: readonly PublishEntry[], now: number): Promise<PublishOutcome>;
  /**
   * Removes and returns up to `limit` of the oldest deliverable messages, oldest first.
   * With `maxBytes`, stops before the message that would take the values' UTF-8 bytes past
   * it (the oldest always goes), so an answer's size is bounded before anything is taken.
   */
  take(queue: string, limit: number, now: number, maxBytes?: number): Promise<StoredMessage[]>;
  /** Returns the oldest deliverable message without removing it, counting the read. */
  readOldest(queue: string, now: number): Promise<StoredMessage | null>;
  /** Returns up to `limit` of the newest keys, newest first (for the /j page). */
  latestKeys(queue: string, limit: number): Promise<string[]>;
  /** Deletes one message by its sequence number; false when it was not there. */
  remove(queue: string, seq: number): Promise<boolean>;
  /**
   * Deletes every message of `queue` and its broadcast history in one atomic step (a
   * resuming stream replays nothing from before); returns how many messages. Key numbering
   * continues.
   */
  purge(queue: string): Promise<number>;
  /**
   * Up to `limit` of the oldest unexpired messages in any state, oldest first, without
   * changing them; `maxBytes` bounds their values as in {@link take}.
   */
  peek(queue: string, limit: number, now: number, maxBytes?: number): Promise<StoredMessage[]>;
  /** One unexpired message by sequence number, in any state, without changing it; null when absent. */
  read(queue: string, seq: number, now: number): Promise<StoredMessage | null>;
  /**
   * The earliest future time at which a delayed message becomes visible or a lease of
   * `queue` ends (ms), or null when there is none. Long polls arm one timer to it.
   */
  nextDueAt(queue: string, now: number): Promise<number | null>;
}

/** One message of a batch ack: its key number and the receipt of its lease. */
export interface AckEntry {
  readonly seq: number;
  readonly receipt: string;
}

/** What ack, release and extend answer when the receipt does not name a current lease. */
export type LeaseRefusal =
  /** No such message, or it is not leased, or under another receipt (a stale or forged receipt). */
  | 'stale'
  /** The receipt matches, but the lease ended at or before `now`. */
  | 'expired';

/** What a release did. */
export type ReleaseOutcome =
  | { readonly kind: 'released'; readonly visibleAt: number }
  /** The message had used its last attempt and moved to `queue` under `key`. */
  | { readonly kind: 'dead_lettered'; readonly queue: string; readonly key: string }
  | { readonly kind: 'stale' }
  | { readonly kind: 'expired' };

/**
 * Leases (at-least-once delivery). A lease hides a ready message until `leaseUntil`; only
 * the receipt it was issued with can ack, release or extend it, and only before it ends.
 * Receipts are made by the caller (random, unguessable) so that stores stay deterministic.
 * Dead-lettering uses the queue's stored `maxAttempts` and `deadLetter` settings and moves
 * the message atomically: it leaves the source and joins the end of the dead-letter queue,
 * keeping its value and recording its source key and attempts. Every call is O(log n) per
 * message touched.
 */
export interface LeaseStore {
  /**
   * Leases up to `receipts.length` of the oldest ready messages for `leaseMs` (null: the
   * queue's stored `leaseSeconds`), the i-th with `receipts[i]`; each one's attempts grow by
   * one. Oldest first; [] when none is ready. `maxBytes` bounds their values as in
   * {@link MessageStore.take}: a message that does not fit is not leased.
   */
  lease(queue: string, receipts: readonly string[], leaseMs: number | null, now: number, maxBytes?: number): Promise<LeasedMessage[]>;
  /** Deletes the message if `receipt` names its current lease. */
  ack(queue: string, seq: number, receipt: string, now: number): Promise<'acked' | LeaseRefusal>;
  /**
   * {@link ack} for several messages of one queue in one step (one commit, one script
   * call), in order: a key acked twice is `stale` the second time. One outcome per entry.
   */
  ackMany(queue: string, entries: readonly AckEntry[], now: number): Promise<('acked' | LeaseRefusal)[]>;
  /**
   * Ends the lease early: the message is visible again at `visibleAt` (now, or later for a
   * release with delay) in its place by key, or moves to the dead-letter queue when it has
   * used its last attempt.
   */
  release(queue: string, seq: number, receipt: string, visibleAt: number, now: number): Promise<ReleaseOutcome>;
  /** Moves the end of the current lease to `leaseUntil`; answers it. */
  extend(queue: string, seq: number, receipt: string, leaseUntil: number, now: number): Promise<{ readonly leaseExpiresAt: number } | LeaseRefusal>;
}

/** One dead letter moved back. */
export interface Redriven {
  /** Its key in the dead-letter queue (now deleted). */
  readonly from: string;
  /** Its new key, at the end of its source queue. */
  readonly to: string;
}

/** Dead letters: moving them back where they came from. */
export interface DeadLetterStore {
  /**
   * Moves up to `limit` of the oldest dead letters of `queue` (messages that carry a
   * dead-letter origin) back to the end of their source queues, attempts reset, in one
   * atomic step. Messages of `queue` without an origin stay.
   */
  redrive(queue: string, limit: number, now: number): Promise<Redriven[]>;
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
  /**
   * Deletes the queue entirely in one atomic step: its messages (of every state), its
   * broadcast history, its settings, its dedup memory and its key numbering. Answers how
   * many messages went (0 for an unknown queue).
   */
  drop(queue: string): Promise<number>;
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
}

/** What one read of a {@link SharedHistory} found. */
export interface HistoryPage {
  /** Unexpired entries after the asked position, in the order they were appended. */
  readonly messages: StoredMessage[];
  /** Where the next read starts: the last entry looked at, or the asked position when none. */
  readonly position: string;
  /** True when the page was full, so more entries may follow. */
  readonly more: boolean;
}

/**
 * The broadcast history read in the order it was appended, for stores that several
 * daemons share (Redis). Each daemon's Dispatcher keeps a position and fans out every
 * entry past it, whichever daemon took the message; appending order differs from key
 * order when a message comes back late (a lease ended, a delay passed), so a position and
 * not a sequence number marks what a daemon has seen. Positions are opaque.
 */
export interface SharedHistory {
  /**
   * The position just before every entry streamed at or after `time` (ms): where a daemon
   * starts tailing when its first consumer of a queue connects. Entries carry the time the
   * taking daemon stamped them with, so this is exact while the daemons' clocks agree.
   */
  positionAt(time: number): string;
  /** Up to `limit` entries appended after `position`. O(log n + limit). */
  after(queue: string, position: string, limit: number, now: number): Promise<HistoryPage>;
}

/** A complete store: its roles plus its lifecycle. */
export interface Store {
  readonly messages: MessageStore;
  readonly leases: LeaseStore;
  readonly deadLetters: DeadLetterStore;
  readonly queues: QueueStore;
  readonly streams: StreamStore;
  /** Present on stores that several daemons share: the history as each daemon tails it. */
  readonly sharedHistory?: SharedHistory;
  /** Human name for logs and /readyz ("sqlite", "redis"). */
  readonly kind: string;
  /**
   * Listens for messages the store moved into a queue on its own, above all a message whose
   * last lease expired, moved to its dead-letter queue while the store settled due work (in
   * any operation on its queue or in the maintenance pass); the listener gets the queue that
   * received it, so the Broker can wake that queue's receivers. Returns the function that
   * stops listening.
   */
  onMoved(listener: (queue: string) => void): () => void;
  /**
   * Listens for what the store did on its own (see {@link SettleEvent}): messages dropped
   * because their ttl passed, and messages whose last lease expired moved to their
   * dead-letter queue, for the metrics. On a store several daemons share, each event is
   * reported once, to the daemon that collected it. Returns the function that stops listening.
   */
  onSettled(listener: (event: SettleEvent) => void): () => void;
  /** Resolves when the store can serve; rejects with `store_unavailable` otherwise. */
  ping(): Promise<void>;
  /** Finishes pending work, then releases connections and files. Idempotent. */
  close(): Promise<void>;
}
