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

/** Per-queue settings a client can change. Later settings (lease, limits) join this shape. */
export interface QueueSettings {
  /** Streaming fan-out. @default 'broadcast' */
  readonly policy: Policy;
  /** Streaming delivery switch. @default 'started' */
  readonly status: QueueStatus;
}

/** Settings of a queue nobody has configured yet. */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { policy: 'broadcast', status: 'started' };

/** A message as a producer hands it to the store. */
export interface NewMessage {
  /** UTF-8 text; a JSON document is kept as its text. */
  readonly value: string;
  /** Absolute expiry, ms since the epoch; a message past it is never delivered. */
  readonly expiresAt: number | null;
}

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
}

/** What `/stats/<queue>` reports. */
export interface QueueStats {
  readonly queue: string;
  /** Messages stored and not yet expired or taken. */
  readonly length: number;
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
