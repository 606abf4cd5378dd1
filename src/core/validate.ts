/**
 * Parsers for values that arrive as text from any transport (form fields, query strings,
 * JSON commands). Each takes `unknown` and returns a typed value or throws a catalog error,
 * so every transport enforces the same limits.
 */
import { RestMQError } from './errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { parseKey } from './names.js';
import { POLICIES } from './types.js';
import type { Policy, QueueStatus } from './types.js';

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

/** Longest ttl accepted: one year, in seconds. */
export const MAX_TTL_SECONDS = 31_536_000;

/** Parses an optional ttl in whole seconds (1..MAX_TTL_SECONDS); absent or empty is no ttl. */
export function parseTtl(input: unknown): number | null {
  if (input === undefined || input === null || input === '') return null;
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

/** A UTF-16 surrogate without its partner (the `u` flag makes a whole pair one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

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

/** Longest streaming heartbeat interval accepted, in seconds. */
export const MAX_HEARTBEAT_SECONDS = 300;

/** Parses an optional stream heartbeat in whole seconds (1..MAX_HEARTBEAT_SECONDS); absent or empty is none. */
export function parseHeartbeat(input: unknown): number | null {
  if (input === undefined || input === null || input === '') return null;
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
  if (input === undefined || input === null || input === '') return null;
  let parsed;
  try {
    parsed = parseKey(input);
  } catch {
    throw new RestMQError('invalid_since');
  }
  if (parsed.queue !== queue) throw new RestMQError('invalid_since');
  return parsed.seq;
}
