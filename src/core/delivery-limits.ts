/**
 * Parsers and limits for reliable delivery (leases, delays, long polls, batches, dedup ids
 * and queue config). Each takes `unknown` from any transport and returns a typed value or
 * throws a catalog error, so REST routes and JSON commands enforce the same bounds.
 */
import { RestMQError } from './errors.js';
import type { ErrorCode } from './errors.js';
import { parseQueueName } from './names.js';
import type { QueueSettings } from './types.js';
import { MAX_TTL_SECONDS, parsePolicy, parseStatusCommand } from './validate.js';

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

const RECEIPT = /^[A-Za-z0-9_-]{8,64}$/;
const DEDUP_ID = /^[\x21-\x7e]{1,128}$/;

function wholeNumber(input: unknown, min: number, max: number, code: ErrorCode): number {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string' || !/^[0-9]{1,10}$/.test(text)) throw new RestMQError(code);
  const n = Number(text);
  if (n < min || n > max) throw new RestMQError(code);
  return n;
}

function absent(input: unknown): boolean {
  return input === undefined || input === null || input === '';
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

/** The wire names of the settings, as `GET`/`PUT /q/<queue>/config` spell them. */
export const CONFIG_FIELDS = [
  'policy',
  'status',
  'lease',
  'max_attempts',
  'dead_letter',
  'delay',
  'ttl',
  'max_length',
  'dedup_window',
] as const;

function configError(field: string, rule: string): RestMQError {
  return new RestMQError('invalid_config', `config field ${field} ${rule}`);
}

function field(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Parses a `PUT /q/<queue>/config` body (already JSON-parsed) into a settings patch. */
export function parseConfigPatch(queue: string, input: unknown): Partial<QueueSettings> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RestMQError('invalid_config', 'queue config must be a JSON object');
  }
  const body = input as Record<string, unknown>;
  const patch: { -readonly [K in keyof QueueSettings]?: QueueSettings[K] } = {};
  for (const [name, value] of Object.entries(body)) {
    switch (name) {
      case 'policy':
        patch.policy = wrap(name, () => parsePolicy(value));
        break;
      case 'status':
        patch.status = wrap(name, () => parseStatusCommand(value));
        break;
      case 'lease':
        patch.leaseSeconds = field(value, name, 1, MAX_LEASE_SECONDS);
        break;
      case 'max_attempts':
        patch.maxAttempts = field(value, name, 0, MAX_ATTEMPTS_LIMIT);
        break;
      case 'dead_letter': {
        if (value === null) {
          patch.deadLetter = null;
          break;
        }
        const dlq = wrap(name, () => parseQueueName(value));
        if (dlq === queue) throw configError(name, 'must name another queue');
        patch.deadLetter = dlq;
        break;
      }
      case 'delay':
        patch.delaySeconds = field(value, name, 0, MAX_DELAY_SECONDS);
        break;
      case 'ttl':
        patch.ttlSeconds = value === null ? null : field(value, name, 1, MAX_TTL_SECONDS);
        break;
      case 'max_length':
        patch.maxLength = value === null ? null : field(value, name, 1, MAX_LENGTH_LIMIT);
        break;
      case 'dedup_window':
        patch.dedupWindowSeconds = field(value, name, 0, MAX_DEDUP_WINDOW_SECONDS);
        break;
      default:
        throw new RestMQError('invalid_config', `unknown config field ${JSON.stringify(name).slice(0, 64)}; known: ${CONFIG_FIELDS.join(', ')}`);
    }
  }
  return patch;
}

function wrap<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RestMQError) throw configError(name, `is invalid: ${err.message}`);
    throw err;
  }
}

/** The settings as the config route answers them (wire names, effective dead-letter queue). */
export function configBody(queue: string, settings: QueueSettings, deadLetterQueue: string): Record<string, unknown> {
  return {
    queue,
    policy: settings.policy,
    status: settings.status,
    lease: settings.leaseSeconds,
    max_attempts: settings.maxAttempts,
    dead_letter: deadLetterQueue,
    delay: settings.delaySeconds,
    ttl: settings.ttlSeconds,
    max_length: settings.maxLength,
    dedup_window: settings.dedupWindowSeconds,
  };
}
