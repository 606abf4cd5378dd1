/**
 * The queue vocabulary shared by the Broker, the stores and the transports. Everything
 * here is plain data so that it crosses the store boundary and the wire unchanged.
 */

/** How streaming consumers share a queue: every one gets every message, or one each in turn. */
export type Policy = 'broadcast' | 'roundrobin';

/** Whether streaming delivery runs (`started`) or waits (`stopped`); pops are unaffected. */
export type QueueStatus = 'started' | 'stopped';

/** All policies, for validation and docs. */
export const POLICIES: readonly Policy[] = ['broadcast', 'roundrobin'];

/** Per-queue settings a client can change (`GET`/`PUT /q/<queue>/config`). */
export interface QueueSettings {
  /** Streaming fan-out. @default 'broadcast' */
  readonly policy: Policy;
  /** Streaming delivery switch. @default 'started' */
  readonly status: QueueStatus;
  /** Lease length used when a consumer asks for a lease without a length, seconds. @default 30 */
  readonly leaseSeconds: number;
  /**
   * Leases a message may take; when the last one expires or is released the message moves
   * to the dead-letter queue. 0 never dead-letters. @default 5
   */
  readonly maxAttempts: number;
  /** Dead-letter queue name, or null for the default `<queue>.dlq` (see {@link deadLetterQueueOf}). @default null */
  readonly deadLetter: string | null;
  /** Delay applied to a publish that names none, seconds. @default 0 */
  readonly delaySeconds: number;
  /** Ttl applied to a publish that names none, seconds, or null for none. @default null */
  readonly ttlSeconds: number | null;
  /** Most messages the queue may hold (any state); a publish beyond it answers 429. null is unbounded. @default null */
  readonly maxLength: number | null;
  /** How long a dedup id is remembered, seconds; 0 turns deduplication off. @default 300 */
  readonly dedupWindowSeconds: number;
  /**
   * Opaque text a transport keeps with the queue (the SQS adapter's tags and attributes
   * RestMQ has no setting for, as JSON), so it survives restarts and is shared by every
   * daemon on the store. The store neither reads nor checks it; the transport bounds it to
   * {@link MAX_QUEUE_EXTRA_BYTES} and validates it when read. null when never set. @default null
   */
  readonly extra: string | null;
}

/** Most UTF-8 bytes of a queue's {@link QueueSettings.extra}. */
export const MAX_QUEUE_EXTRA_BYTES = 65536;

/** Settings of a queue nobody has configured yet. */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  policy: 'broadcast',
  status: 'started',
  leaseSeconds: 30,
  maxAttempts: 5,
  deadLetter: null,
  delaySeconds: 0,
  ttlSeconds: null,
  maxLength: null,
  dedupWindowSeconds: 300,
  extra: null,
};

/** Suffix of the default dead-letter queue's name. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * The dead-letter queue of `queue`: its configured one, else `<queue>.dlq`. A name too long
 * for the suffix is cut to 124 characters first, so the default is always a valid name.
 */
export function deadLetterQueueOf(queue: string, settings: Pick<QueueSettings, 'deadLetter'>): string {
  if (settings.deadLetter !== null) return settings.deadLetter;
  return `${queue.slice(0, 128 - DEAD_LETTER_SUFFIX.length)}${DEAD_LETTER_SUFFIX}`;
}

/** A message as a producer hands it to the store. */
export interface NewMessage {
  /** UTF-8 text; a JSON document is kept as its text. */
  readonly value: string;
  /** Absolute expiry, ms since the epoch; a message past it is never delivered. */
  readonly expiresAt: number | null;
  /** Not deliverable before this time, ms since the epoch (a delayed publish); absent or 0 is now. */
  readonly visibleAt?: number;
  /** Producer's deduplication id; only the store's guarded `publish` honours it. */
  readonly dedupId?: string;
}

/** Where a dead letter came from. */
export interface DeadLetterOrigin {
  /** The key the message had in its source queue (`<source>:<n>`). */
  readonly sourceKey: string;
  /** How many leases it took there. */
  readonly attempts: number;
}

/** Where a message stands. `ready`: deliverable now; `delayed`: not yet; `leased`: out with a consumer. */
export type MessageState = 'ready' | 'delayed' | 'leased';

/** A message as the store holds it. */
export interface StoredMessage {
  /** `<queue>:<seq>`. */
  readonly key: string;
  /** Position in its queue, from 1; FIFO order. */
  readonly seq: number;
  readonly value: string;
  /** When it was stored, ms since the epoch. */
  readonly createdAt: number;
  /** Absolute expiry or null. */
  readonly expiresAt: number | null;
  /** How many soft reads (JSON `get`) saw it, counting this one when it was a soft read. */
  readonly reads: number;
  /** How many leases it has been given (including the current one). */
  readonly attempts: number;
  /** Its state when it was read. */
  readonly state: MessageState;
  /** When its first lease was given, ms since the epoch; absent when it was never leased (SQS ApproximateFirstReceiveTimestamp). */
  readonly firstLeasedAt?: number;
  /** When a delayed message becomes visible or a lease ends, ms since the epoch; 0 when ready. */
  readonly visibleAt: number;
  /** Set on messages in a dead-letter queue. */
  readonly deadLetter: DeadLetterOrigin | null;
  /**
   * Attributes a transport stored with the message (SQS message attributes, as JSON text);
   * absent when it has none. Kept inside the stored value (see stored-value.ts).
   */
  readonly attributes?: string;
  /**
   * The message group it was published in, absent when none: messages of one group are
   * delivered in key order (see store/contract.ts). Kept inside the stored value.
   */
  readonly group?: string;
}

/** A message handed out under a lease. */
export interface LeasedMessage extends StoredMessage {
  /** Proof of this lease: ack, release and extend must present it. */
  readonly receipt: string;
  /** When the lease ends, ms since the epoch. */
  readonly leaseExpiresAt: number;
}

/** What `/stats/<queue>` reports. */
export interface QueueStats {
  readonly queue: string;
  /** Messages stored and not yet expired or taken. */
  readonly length: number;
  /**
   * Of `length`: deliverable now (`ready`), out under a lease (`leased`), waiting for a delay
   * (`delayed`), as the store last settled them (a delay or lease that just ended counts as
   * before until the queue's next read or the store's maintenance settles it).
   */
  readonly ready: number;
  readonly leased: number;
  readonly delayed: number;
  /** Of `length`: dead letters (messages moved here from another queue out of attempts). */
  readonly deadLetters: number;
  readonly policy: Policy;
  readonly status: QueueStatus;
  /** Messages ever published to the queue (its last key number). */
  readonly published: number;
  /** When the queue was created, ms since the epoch. */
  readonly createdAt: number;
  /** Key of the oldest stored message, or null when empty. */
  readonly oldestKey: string | null;
  /** Age of the oldest stored message in ms, or null when empty. */
  readonly oldestAgeMs: number | null;
}

/**
 * How much broadcast history a queue keeps for resuming consumers: the newest
 * `maxMessages` messages, none older than `maxAgeMs` (time since it was streamed).
 */
export interface HistoryRetention {
  /** Most messages kept per queue. @default 1000 */
  readonly maxMessages: number;
  /** Oldest entry kept, ms after it was taken for broadcast. @default 300000 */
  readonly maxAgeMs: number;
}
