/**
 * Queue names and message keys. Names are limited so they are safe in URLs, SQL, Redis
 * keys and hash tags alike; keys are `<queue>:<n>` and parse at the last colon because
 * a queue name may itself contain colons.
 */
import { RestMQError } from './errors.js';
import { MAX_QUEUE_NAME_LENGTH } from './limits.js';

/** Longest queue name accepted (defined with every other limit in ./limits.ts). */
export { MAX_QUEUE_NAME_LENGTH };

const QUEUE_NAME = new RegExp(`^[A-Za-z0-9_\\-.:@]{1,${MAX_QUEUE_NAME_LENGTH}}$`);

/** Returns `input` as a queue name, or throws `invalid_queue_name`. */
export function parseQueueName(input: unknown): string {
  if (typeof input !== 'string' || !QUEUE_NAME.test(input)) {
    throw new RestMQError('invalid_queue_name');
  }
  return input;
}

/** Builds the key of message number `seq` in `queue`. */
export function formatKey(queue: string, seq: number): string {
  return `${queue}:${seq}`;
}

/** A parsed message key. */
export interface ParsedKey {
  /** The queue the key belongs to. */
  readonly queue: string;
  /** The per-queue sequence number, from 1. */
  readonly seq: number;
}

/** Parses `<queue>:<n>`, or throws `invalid_key`. */
export function parseKey(input: unknown): ParsedKey {
  if (typeof input !== 'string') throw new RestMQError('invalid_key');
  const at = input.lastIndexOf(':');
  if (at <= 0) throw new RestMQError('invalid_key');
  const queue = input.slice(0, at);
  const digits = input.slice(at + 1);
  if (!QUEUE_NAME.test(queue) || !/^[1-9][0-9]{0,15}$/.test(digits)) throw new RestMQError('invalid_key');
  const seq = Number(digits);
  if (!Number.isSafeInteger(seq)) throw new RestMQError('invalid_key');
  return { queue, seq };
}
