/**
 * The one home of input parsers. Every transport hands them what arrived (form fields,
 * query strings, JSON command members, headers) as `unknown`; each returns a typed value
 * or throws a catalog error, so every protocol enforces the same limits (src/core/limits.ts)
 * with the same codes. Queue names and keys are parsed by the core itself (core/names.ts).
 */
import { RestMQError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/json-depth.js';
import {
  MAX_DEDUP_ID_LENGTH,
  MAX_DELAY_SECONDS,
  MAX_GROUP_ID_LENGTH,
  MAX_HEARTBEAT_SECONDS,
  MAX_LEASE_SECONDS,
  MAX_RECEIVE_COUNT,
  MAX_TTL_SECONDS,
  MAX_WAIT_SECONDS,
  RECEIPT_LENGTH,
} from '../core/limits.js';
import { parseKey } from '../core/names.js';
import { POLICIES } from '../core/types.js';
import type { Policy, QueueStatus } from '../core/types.js';

const RECEIPT = new RegExp(`^[A-Za-z0-9_-]{${RECEIPT_LENGTH.min},${RECEIPT_LENGTH.max}}$`);
const DEDUP_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_DEDUP_ID_LENGTH}}$`);
/** A message group id: printable ASCII without spaces, as SQS's MessageGroupId. */
export const GROUP_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_GROUP_ID_LENGTH}}$`);
/** A UTF-16 surrogate without its partner (the `u` flag makes a whole pair one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function absent(input: unknown): boolean {
  return input === undefined || input === null || input === '';
}

function wholeNumber(input: unknown, min: number, max: number, code: ErrorCode): number {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string' || !/^[0-9]{1,10}$/.test(text)) throw new RestMQError(code);
  const n = Number(text);
  if (n < min || n > max) throw new RestMQError(code);
  return n;
}

/**
 * Parses JSON text from a client. Every transport answers bad JSON the same way, with the
 * catalog's `malformed_json`, never with the parser's own error, and JSON nested deeper
 * than MAX_JSON_DEPTH with `json_too_deep`, before it is parsed.
 */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new RestMQError('json_too_deep');
  try {
    return JSON.parse(text);
  } catch {
    throw new RestMQError('malformed_json');
  }
}

/**
 * Returns `input` when it is a non-empty string, else throws `missing_value`; the Broker
 * checks size. A lone surrogate (a JSON string may spell one as `"\ud800"`) has no UTF-8
 * form and would be stored as U+FFFD, so it is `invalid_utf8`.
 */
export function parseValue(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0) throw new RestMQError('missing_value');
  if (LONE_SURROGATE.test(input)) throw new RestMQError('invalid_utf8', 'the value holds a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not UTF-8 text');
  return input;
}

/**
 * A value that arrived inside a JSON document (a JSON protocol command, a batch entry):
 * strings as they are (never empty, as over HTTP), any other JSON document as its text.
 */
export function parseDocumentValue(input: unknown): string {
  if (typeof input === 'string') return parseValue(input);
  if (input === undefined || input === null) throw new RestMQError('missing_value');
  return JSON.stringify(input);
}

/** Parses an optional ttl in whole seconds (1..MAX_TTL_SECONDS); absent or empty is no ttl. */
export function parseTtl(input: unknown): number | null {
  if (absent(input)) return null;
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string' || !/^[0-9]{1,9}$/.test(text)) throw new RestMQError('invalid_ttl');
  const seconds = Number(text);
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) throw new RestMQError('invalid_ttl');
  return seconds;
}

/** Parses a policy name. */
export function parsePolicy(input: unknown): Policy {
  const policy = POLICIES.find((p) => p === input);
  if (policy !== undefined) return policy;
  throw new RestMQError('invalid_policy');
}

/**
 * Parses the original `/control` value: `start`/`stop` (and, leniently, the status names
 * `started`/`stopped` that GET returns, so a client can post back what it read).
 */
export function parseStatusCommand(input: unknown): QueueStatus {
  if (input === 'start' || input === 'started') return 'started';
  if (input === 'stop' || input === 'stopped') return 'stopped';
  throw new RestMQError('invalid_status');
}

/** Parses an optional stream heartbeat in whole seconds (1..MAX_HEARTBEAT_SECONDS); absent or empty is none. */
export function parseHeartbeat(input: unknown): number | null {
  if (absent(input)) return null;
  if (typeof input !== 'string' || !/^[0-9]{1,6}$/.test(input)) throw new RestMQError('invalid_heartbeat');
  const seconds = Number(input);
  if (seconds < 1 || seconds > MAX_HEARTBEAT_SECONDS) throw new RestMQError('invalid_heartbeat');
  return seconds;
}

/**
 * Parses an optional resume point (`?since=` or `Last-Event-ID`): a key of `queue`, meaning
 * "everything after this message". Returns its sequence number, or null when absent.
 */
export function parseSince(input: unknown, queue: string): number | null {
  if (absent(input)) return null;
  let parsed;
  try {
    parsed = parseKey(input);
  } catch {
    throw new RestMQError('invalid_since');
  }
  if (parsed.queue !== queue) throw new RestMQError('invalid_since');
  return parsed.seq;
}

/** A lease length in seconds (1..MAX_LEASE_SECONDS); absent or empty gives `fallback`. */
export function parseLease(input: unknown, fallback: number | null): number | null {
  if (absent(input)) return fallback;
  return wholeNumber(input, 1, MAX_LEASE_SECONDS, 'invalid_lease');
}

/** What a stream asked for with `lease`: a lease length, or null for the queue's `lease` setting. */
export interface StreamLease {
  readonly seconds: number | null;
}

/**
 * The lease of a leased stream, parsed as `GET /q/<queue>?lease=` parses it (`lease=`
 * empty takes the queue's setting), or null when the parameter is absent (an unleased
 * stream). Resuming replays broadcast history, which is not leased: both at once are refused.
 */
export function parseStreamLease(input: unknown, resuming: boolean): StreamLease | null {
  if (input === undefined) return null;
  const lease = { seconds: parseLease(input, null) };
  if (resuming) {
    throw new RestMQError('invalid_parameter', 'lease cannot be combined with since or Last-Event-ID: resuming replays broadcast history, which is not leased');
  }
  return lease;
}

/** A delay in seconds (0..MAX_DELAY_SECONDS), or null when absent. */
export function parseDelay(input: unknown): number | null {
  if (absent(input)) return null;
  return wholeNumber(input, 0, MAX_DELAY_SECONDS, 'invalid_delay');
}

/** A long-poll wait in seconds (0..MAX_WAIT_SECONDS); absent is 0 (answer at once). */
export function parseWait(input: unknown): number {
  if (absent(input)) return 0;
  return wholeNumber(input, 0, MAX_WAIT_SECONDS, 'invalid_wait');
}

/** A message count (`n`, `peek`) in 1..max, or null when absent. */
export function parseCount(input: unknown, max = MAX_RECEIVE_COUNT): number | null {
  if (absent(input)) return null;
  return wholeNumber(input, 1, max, 'invalid_count');
}

/** A lease receipt as a lease answered it. */
export function parseReceipt(input: unknown): string {
  if (typeof input !== 'string' || !RECEIPT.test(input)) throw new RestMQError('invalid_receipt');
  return input;
}

/** A producer's dedup id, or null when absent. */
export function parseDedupId(input: unknown): string | null {
  if (absent(input)) return null;
  if (typeof input !== 'string' || !DEDUP_ID.test(input)) throw new RestMQError('invalid_dedup_id');
  return input;
}

/** A message group id (`group`), or null when absent. */
export function parseGroup(input: unknown): string | null {
  if (absent(input)) return null;
  if (typeof input !== 'string' || !GROUP_ID.test(input)) throw new RestMQError('invalid_group');
  return input;
}
