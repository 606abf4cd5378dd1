/**
 * Lease operations (at-least-once delivery): lease now, then ack, release or extend by key
 * and receipt. `receive` (messages.ts) leases with a long poll; `lease` here answers at once,
 * as the JSON protocol's `lease` command does.
 */
import type { ReleaseResult } from '../core/broker.js';
import { RestMQError } from '../core/errors.js';
import { parseQueueName } from '../core/names.js';
import type { LeasedMessage } from '../core/types.js';
import type { Delivery } from './messages.js';
import { keyInput } from './messages.js';
import { operation } from './operation.js';
import type { AckEntryInput } from './parse-ack-batch.js';
import type { Fields, KeyInput, QueueInput } from './operation.js';
import { parseCount, parseDelay, parseLease, parseReceipt } from './parse.js';

/** Input of `lease`. */
export interface LeaseInput extends QueueInput {
  readonly count: number;
  /** Seconds, or null for the queue's `lease` setting. */
  readonly seconds: number | null;
  /** True when the caller named no count and wants one message rather than a list. */
  readonly single: boolean;
}

/** A message named by key and the receipt of its current lease. */
export interface LeaseTarget extends KeyInput {
  readonly receipt: string;
}

/** Input of `release`. */
export interface ReleaseInput extends LeaseTarget {
  /** Seconds before the message is visible again. */
  readonly delaySeconds: number;
}

/** Input of `extend`. */
export interface ExtendInput extends LeaseTarget {
  /** The lease's new length, from now. */
  readonly seconds: number;
}

/** The queue, key and receipt of an ack, release or extend, by fields `queue`, `key`, `receipt`. */
export function leaseTarget(fields: Fields): LeaseTarget {
  return { ...keyInput(fields), receipt: parseReceipt(fields('receipt')) };
}

/** Leases up to `count` ready messages at once (no wait). */
export const lease = operation({
  access: 'consume',
  run: async ({ broker }, input: LeaseInput): Promise<Delivery<LeasedMessage>> => {
    const messages = await broker.lease(input.queue, input.count, input.seconds);
    return { messages, truncated: broker.answerCut(messages, input.count) };
  },
  parse: (fields): LeaseInput => {
    const queue = parseQueueName(fields('queue'));
    const count = parseCount(fields('n'));
    return { queue, count: count ?? 1, seconds: parseLease(fields('lease'), null), single: count === null };
  },
});

/** Acknowledges a leased message: it is deleted. */
export const ack = operation({
  access: 'consume',
  run: ({ broker }, input: LeaseTarget): Promise<void> => broker.ack(input.key, input.receipt, input.queue),
  parse: leaseTarget,
});

/** Input of `ackMany`: entries checked by parse-ack-batch.ts, all of `queue`. */
export interface AckManyInput extends QueueInput {
  readonly entries: readonly AckEntryInput[];
}

/**
 * Acknowledges several leased messages of one queue in one store step; answers per entry
 * null (acked) or the catalog error a single ack would have thrown.
 */
export const ackMany = operation({
  access: 'consume',
  run: ({ broker }, input: AckManyInput): Promise<(RestMQError | null)[]> => broker.ackMany(input.queue, input.entries),
});

/** Ends a lease early: visible again after the delay, or dead-lettered when out of attempts. */
export const release = operation({
  access: 'consume',
  run: ({ broker }, input: ReleaseInput): Promise<ReleaseResult> =>
    broker.release(input.key, input.receipt, input.delaySeconds, input.queue),
  parse: (fields): ReleaseInput => ({ ...leaseTarget(fields), delaySeconds: parseDelay(fields('delay')) ?? 0 }),
});

/** Moves a lease's end to `seconds` from now; answers the new end (ms since the epoch). */
export const extend = operation({
  access: 'consume',
  run: ({ broker }, input: ExtendInput): Promise<number> => broker.extend(input.key, input.receipt, input.seconds, input.queue),
  parse: (fields): ExtendInput => {
    const target = leaseTarget(fields);
    const seconds = parseLease(fields('lease'), null);
    if (seconds === null) throw new RestMQError('invalid_lease', 'extend needs lease, the new lease length in seconds from now');
    return { ...target, seconds };
  },
});
