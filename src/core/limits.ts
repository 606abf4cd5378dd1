/**
 * Every limit a client can run into, in one file with no imports: the parsers check them
 * (src/operations/parse.ts) and the error catalog (./errors.ts) builds its messages from
 * them, so a limit changes in one place and the messages cannot drift.
 */

/** Longest queue name accepted. */
export const MAX_QUEUE_NAME_LENGTH = 128;
/** Longest ttl accepted: one year, in seconds. */
export const MAX_TTL_SECONDS = 31_536_000;
/** Longest streaming heartbeat interval accepted, in seconds. */
export const MAX_HEARTBEAT_SECONDS = 300;
/** Longest lease: 12 hours, in seconds (as SQS). */
export const MAX_LEASE_SECONDS = 43_200;
/** Longest publish delay: 7 days, in seconds. */
export const MAX_DELAY_SECONDS = 604_800;
/** Longest long poll, seconds: long enough to save round trips, short enough for proxies. */
export const MAX_WAIT_SECONDS = 20;
/** Most messages one receive (`n`) or peek answers. */
export const MAX_RECEIVE_COUNT = 100;
/** Most entries in one batch publish. */
export const MAX_BATCH_ENTRIES = 1000;
/** Most UTF-8 bytes of values in one batch publish. */
export const MAX_BATCH_BYTES = 4_194_304;
/** Longest dedup window, seconds (one day). */
export const MAX_DEDUP_WINDOW_SECONDS = 86_400;
/** Highest max_attempts. */
export const MAX_ATTEMPTS_LIMIT = 1000;
/** Highest max_length. */
export const MAX_LENGTH_LIMIT = 100_000_000;
/** Most dead letters one redrive call moves. */
export const MAX_REDRIVE_COUNT = 1000;
/** Shortest and longest lease receipt, characters. */
export const RECEIPT_LENGTH = { min: 8, max: 64 } as const;
/** Longest producer dedup id, characters. */
export const MAX_DEDUP_ID_LENGTH = 128;
/**
 * Longest message group id, characters (as SQS's MessageGroupId): messages of one group are
 * delivered in key order, one batch out at a time.
 */
export const MAX_GROUP_ID_LENGTH = 128;
/** Longest JSONP callback name accepted. */
export const MAX_CALLBACK_LENGTH = 128;
