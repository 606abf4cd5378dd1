/**
 * Operations on a queue's messages: publish (one or a batch), receive (pop or lease, with
 * an optional long poll), pop, the JSON protocol's soft read, peek, read by key and remove.
 */
import type { PublishInput, PublishResult } from '../core/broker.js';
import { RestMQError } from '../core/errors.js';
import { parseQueueName } from '../core/names.js';
import type { LeasedMessage, StoredMessage } from '../core/types.js';
import { operation } from './operation.js';
import type { Fields, KeyInput, QueueInput } from './operation.js';
import { parseDedupId, parseDelay, parseGroup, parseTtl } from './parse.js';

/** Input of `publish`. */
export interface PublishOneInput extends QueueInput {
  readonly message: PublishInput;
}

/** Input of `publishBatch`: every message is stored, or none. */
export interface PublishBatchInput extends QueueInput {
  readonly messages: readonly PublishInput[];
}

/** Input of `receive`: take (pop) or lease up to `count` messages, long-polling up to `waitSeconds`. */
export interface ReceiveInput extends QueueInput {
  readonly count: number;
  /** Lease for this many seconds (null: the queue's `lease`); absent pops. */
  readonly lease?: { readonly seconds: number | null };
  readonly waitSeconds: number;
  /** Ends the wait when the client went away. */
  readonly abort?: AbortSignal;
}

/** Input of `peek`. */
export interface PeekInput extends QueueInput {
  readonly count: number;
}

/**
 * Messages answered together: `truncated` when the answer byte limit
 * (`--max-answer-bytes`) may have cut the answer short, so more may be waiting.
 */
export interface Delivery<M extends StoredMessage = StoredMessage> {
  readonly messages: readonly M[];
  readonly truncated: boolean;
}

/**
 * The options of a publish from RestMQ-named fields (`ttl`, `delay`, `dedup`, `group`); the value
 * comes from each transport's own place for it (form field, body, command member).
 */
export function publishOptions(fields: Fields, value: string): PublishInput {
  return {
    value,
    ttlSeconds: parseTtl(fields('ttl')),
    delaySeconds: parseDelay(fields('delay')),
    dedupId: parseDedupId(fields('dedup')),
    group: parseGroup(fields('group')),
  };
}

/** The queue and key of a message named by fields `queue` and `key`. */
export function keyInput(fields: Fields): KeyInput {
  const queue = parseQueueName(fields('queue'));
  const key = fields('key');
  if (typeof key !== 'string') throw new RestMQError('invalid_key');
  return { queue, key };
}

/** Stores one message; says whether it repeated a remembered dedup id. */
export const publish = operation({
  access: 'produce',
  run: ({ broker }, input: PublishOneInput): Promise<PublishResult> => broker.publishOne(input.queue, input.message),
});

/** Stores every message in one atomic step, or none. */
export const publishBatch = operation({
  access: 'produce',
  run: ({ broker }, input: PublishBatchInput): Promise<PublishResult[]> => broker.publishBatch(input.queue, input.messages),
});

/** Takes or leases up to `count` ready messages, waiting for one up to `waitSeconds`. */
export const receive = operation({
  access: 'consume',
  run: async ({ broker }, input: ReceiveInput): Promise<Delivery<StoredMessage | LeasedMessage>> => {
    const messages: readonly (StoredMessage | LeasedMessage)[] = await broker.receive(input.queue, input);
    return { messages, truncated: broker.answerCut(messages, input.count) };
  },
});

/** Removes and answers the oldest ready message (RestMQ's pop), or null when none is ready. */
export const pop = operation({
  access: 'consume',
  run: ({ broker }, input: QueueInput): Promise<StoredMessage | null> => broker.pop(input.queue),
  parse: (fields) => ({ queue: parseQueueName(fields('queue')) }),
});

/** Answers the oldest ready message without removing it, counting the read (the JSON protocol's `get`). */
export const softRead = operation({
  access: 'consume',
  run: ({ broker }, input: QueueInput): Promise<StoredMessage | null> => broker.softRead(input.queue),
  parse: (fields) => ({ queue: parseQueueName(fields('queue')) }),
});

/** The oldest `count` messages in any state, unchanged. */
export const peek = operation({
  access: 'consume',
  run: async ({ broker }, input: PeekInput): Promise<Delivery> => {
    const messages = await broker.peek(input.queue, input.count);
    return { messages, truncated: broker.answerCut(messages, input.count) };
  },
});

/** One message by key, unchanged; `message_not_found` when there is none. */
export const read = operation({
  access: 'consume',
  run: ({ broker }, input: KeyInput): Promise<StoredMessage> => broker.read(input.key, input.queue),
  parse: keyInput,
});

/**
 * Deletes one message by key, whatever its state; answers whether it was there. A
 * consumer's right: it is what a consumer does after a soft read.
 */
export const remove = operation({
  access: 'consume',
  run: ({ broker }, input: KeyInput): Promise<boolean> => broker.remove(input.key, input.queue),
  parse: keyInput,
});
