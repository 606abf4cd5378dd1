/**
 * SQS FIFO queues over RestMQ's message groups. A queue is FIFO when its name ends in
 * `.fifo` (CreateQueue makes such a name only with `FifoQueue=true`, as AWS does), so every
 * daemon and every request knows a queue's type from its name alone. A message's
 * `MessageGroupId` is its RestMQ group (the store keeps a group in order and one batch of it
 * out at a time); its `MessageDeduplicationId` is RestMQ's dedup id, remembered for the
 * queue's dedup window (5 minutes for queues CreateQueue makes). `SequenceNumber` is the
 * number of the message's key.
 */
import { createHash } from 'node:crypto';
import { MAX_GROUP_ID_LENGTH } from '../core/limits.js';
import { parseKey } from '../core/names.js';
import { SqsError } from './errors.js';
import type { Input } from './input.js';
import { optionalString } from './input.js';
import type { Extras } from './queue-extras.js';

/** The suffix of FIFO queue names. */
export const FIFO_SUFFIX = '.fifo';

/** A FIFO queue's dedup window, seconds (AWS's deduplication interval). */
export const FIFO_DEDUP_WINDOW_SECONDS = 300;

/** The queue attributes that only FIFO queues have. */
export const FIFO_ATTRIBUTES = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Allowed values of the FIFO attributes SetQueueAttributes may change, and their defaults (first). */
export const FIFO_CHOICES: Readonly<Record<string, readonly string[]>> = {
  ContentBasedDeduplication: ['false', 'true'],
  DeduplicationScope: ['queue', 'messageGroup'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
};

/** Ids SQS allows for groups, dedup and receive attempts: alphanumerics and punctuation. */
const ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_GROUP_ID_LENGTH}}$`);

/** True for a FIFO queue's name. */
export function isFifoQueue(queue: string): boolean {
  return queue.endsWith(FIFO_SUFFIX);
}

/** `SequenceNumber` of a message: its key's number, zero-padded to 20 digits so it also sorts as text. */
export function sequenceNumber(key: string): string {
  return String(parseKey(key).seq).padStart(20, '0');
}

/** An optional id parameter (MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId), checked as AWS checks it. */
export function optionalId(input: Input, name: string): string | undefined {
  const value = optionalString(input, name);
  if (value !== undefined && !ID.test(value)) {
    throw new SqsError('InvalidParameterValue', `Value ${value.slice(0, 200)} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to ${MAX_GROUP_ID_LENGTH} in length.`);
  }
  return value;
}

/** How a queue takes sends: its type and, for FIFO, its deduplication. */
export interface SendRules {
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  /** Dedup ids are remembered per message group rather than per queue. */
  readonly dedupPerGroup: boolean;
}

/** The send rules of `queue` with these extras. */
export function sendRules(queue: string, extras: Extras): SendRules {
  const fifo = isFifoQueue(queue);
  return {
    fifo,
    contentBasedDeduplication: fifo && extras.attributes.ContentBasedDeduplication === 'true',
    dedupPerGroup: fifo && extras.attributes.DeduplicationScope === 'messageGroup',
  };
}

/** What a send carries besides its body: the store's group and dedup id, and what receive answers. */
export interface SendIds {
  /** The RestMQ group (FIFO queues only). */
  readonly group: string | null;
  /** The RestMQ dedup id (FIFO queues only). */
  readonly dedupId: string | null;
  /** System attributes to keep for receive that the store does not hold: a standard queue's `MessageGroupId`, a FIFO queue's `MessageDeduplicationId`. */
  readonly system: Readonly<Record<string, string>>;
}

function notForThisQueue(name: string, value: unknown): SqsError {
  return new SqsError('InvalidParameterValue', `Value ${String(value).slice(0, 200)} for parameter ${name} is invalid. Reason: The request include parameter that is not valid for this queue type.`);
}

/**
 * The ids of one SendMessage or batch entry under `rules`, refused as AWS refuses them. On a
 * standard queue a MessageGroupId is accepted (AWS's fair queues) and answered on receive,
 * but orders nothing; a MessageDeduplicationId is refused.
 */
export function sendIds(rules: SendRules, input: Input, body: string): SendIds {
  const group = optionalId(input, 'MessageGroupId');
  const dedup = optionalId(input, 'MessageDeduplicationId');
  if (!rules.fifo) {
    if (dedup !== undefined) throw notForThisQueue('MessageDeduplicationId', dedup);
    return { group: null, dedupId: null, system: group === undefined ? {} : { MessageGroupId: group } };
  }
  if (input.DelaySeconds !== undefined && input.DelaySeconds !== null) throw notForThisQueue('DelaySeconds', input.DelaySeconds);
  if (group === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
  let id = dedup;
  if (id === undefined) {
    if (!rules.contentBasedDeduplication) {
      throw new SqsError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
    id = createHash('sha256').update(body, 'utf8').digest('hex');
  }
  // Per-group scope: the same id in two groups is two messages (length-prefixed, so no group/id pair reads as another).
  const dedupId = rules.dedupPerGroup ? `${group.length}:${group}:${id}` : id;
  // The group travels as the message's RestMQ group; only the dedup id needs keeping beside it.
  return { group, dedupId, system: { MessageDeduplicationId: id } };
}
