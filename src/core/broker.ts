/**
 * The Broker: the one place where queue semantics live. Transports hand it parsed values
 * and render what it returns; it validates names and limits, calls the store, and signals
 * waiters. It knows nothing of HTTP.
 */
import { clockWithNow, systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { NO_METRICS } from './core-metrics.js';
import type { CoreMetrics } from './core-metrics.js';
import { RestMQError } from './errors.js';
import { LongPolls } from './long-polls.js';
import { makeReceipts as receipts } from './receipts.js';
import { parseKey, parseQueueName } from './names.js';
import { encodeStoredValue, plainMessage } from './stored-value.js';
import type { SignalBus } from './signals.js';
import { deadLetterQueueOf } from './types.js';
import type { LeasedMessage, Policy, QueueSettings, QueueStats, QueueStatus, StoredMessage } from './types.js';
import type { LeaseRefusal, Redriven, Store } from '../store/contract.js';

/** What the Broker needs, passed in by the composition root. */
export interface BrokerDeps {
  readonly store: Store;
  readonly signals: SignalBus;
  /** Largest value accepted, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Queue time and timers (long polls, due timers); tests pass a fake one. @default systemClock */
  readonly clock?: Clock;
  /** Shorthand for a clock whose time is `now` and whose timers are real; ignored with `clock`. */
  readonly now?: () => number;
  /**
   * Most UTF-8 bytes of values one answer of several messages (`n`, `peek`) holds; raised
   * to `maxMessageBytes` when lower. @default no bound
   */
  readonly maxAnswerBytes?: number;
  /** Where publishes, deliveries, acks and releases are counted. @default {@link NO_METRICS} */
  readonly metrics?: CoreMetrics;
}

/** What a producer sends. */
export interface PublishInput {
  readonly value: string;
  /** Seconds until the message expires, or null for the queue's default ttl (none unless configured). */
  readonly ttlSeconds: number | null;
  /** Seconds before it becomes visible, or null/absent for the queue's default delay. */
  readonly delaySeconds?: number | null;
  /** Deduplication id: a repeat within the queue's window stores nothing and answers the first key. */
  readonly dedupId?: string | null;
  /** Attributes to keep with the message (transport-defined text, e.g. SQS message attributes as JSON). */
  readonly attributes?: string | null;
  /**
   * The message group: messages of one group are delivered in key order, one batch of
   * them out at a time (see the group rules in store/contract.ts). The transport checked it.
   */
  readonly group?: string | null;
}

/** What a publish answers. */
export interface PublishResult {
  readonly key: string;
  /** True when the dedup id repeated a remembered one and nothing was stored. */
  readonly duplicate: boolean;
}

/** How a receiver takes messages. */
export interface ReceiveOptions {
  /** Up to this many messages. */
  readonly count: number;
  /** Lease instead of pop: for this many seconds, or null for the queue's default lease. Absent pops. */
  readonly lease?: { readonly seconds: number | null };
  /** Wait up to this many seconds for a message (long poll); 0 answers at once. */
  readonly waitSeconds: number;
  /** Aborts the wait (the client went away). */
  readonly abort?: AbortSignal;
}

/** What a release did. */
export type ReleaseResult =
  | { readonly kind: 'released'; readonly visibleAt: number }
  | { readonly kind: 'dead_lettered'; readonly queue: string; readonly key: string };

/** A queue's settings plus the dead-letter queue they resolve to. */
export interface QueueConfig {
  readonly settings: QueueSettings;
  readonly deadLetterQueue: string;
}

/** Retry-After of a 429 for a full queue, seconds. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 1;

/** Longest page of keys the /j view shows. */
export const LATEST_KEYS_LIMIT = 10;

/** Queue operations in RestMQ's terms. */
export class Broker {
  private readonly store: Store;
  private readonly signals: SignalBus;
  private readonly maxMessageBytes: number;
  private readonly maxAnswerBytes: number | undefined;
  private readonly now: () => number;
  private readonly longPolls: LongPolls;
  private readonly metrics: CoreMetrics;

  constructor(deps: BrokerDeps) {
    this.metrics = deps.metrics ?? NO_METRICS;
    this.store = deps.store;
    this.signals = deps.signals;
    this.maxMessageBytes = deps.maxMessageBytes;
    this.maxAnswerBytes = deps.maxAnswerBytes === undefined ? undefined : Math.max(deps.maxAnswerBytes, deps.maxMessageBytes);
    const clock = deps.clock ?? (deps.now === undefined ? systemClock : clockWithNow(deps.now));
    this.now = () => clock.now();
    this.longPolls = new LongPolls({
      signals: deps.signals,
      nextDueAt: (queue, now) => this.store.messages.nextDueAt(queue, now),
      clock,
    });
    // Dead letters moved while the store settled due work: no result reports them.
    this.store.onMoved((queue) => this.signals.emit({ kind: 'message', queue }));
    // Expiries and lease-expiry dead letters happen while the store settles due work: counted here.
    this.store.onSettled((event) => {
      if (event.kind === 'expired') this.metrics.expired(event.count);
      else this.metrics.deadLettered('lease_expired', event.count);
    });
  }

  /** Stores one message and returns its key once it is durable. */
  async publish(queueName: string, input: PublishInput): Promise<string> {
    return (await this.publishOne(queueName, input)).key;
  }

  /** Stores one message under the queue's limits; says whether it was a dedup repeat. */
  async publishOne(queueName: string, input: PublishInput): Promise<PublishResult> {
    const [result] = await this.publishBatch(queueName, [input]);
    return result as PublishResult;
  }

  /**
   * Stores every message in one atomic step, or none (a bad entry, a full queue), and
   * answers their keys in order. The transport checked the batch's entry and byte limits.
   */
  async publishBatch(queueName: string, inputs: readonly PublishInput[]): Promise<PublishResult[]> {
    const queue = parseQueueName(queueName);
    inputs.forEach((input, i) => this.checkSize(input.value, inputs.length > 1 ? i : null));
    const outcome = await this.store.messages.publish(
      queue,
      inputs.map((input) => ({
        value: encodeStoredValue(input.value, input.attributes, input.group),
        ttlMs: input.ttlSeconds === null ? null : input.ttlSeconds * 1000,
        delayMs: input.delaySeconds === undefined || input.delaySeconds === null ? null : input.delaySeconds * 1000,
        dedupId: input.dedupId ?? null,
      })),
      this.now(),
    );
    if (outcome.kind === 'full') {
      this.metrics.refusedFull(inputs.length);
      throw new RestMQError('queue_full', `queue ${queue} holds ${outcome.length} messages, its max_length; retry later`, {
        retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
      });
    }
    const repeats = outcome.duplicate.filter((d) => d).length;
    if (repeats > 0) this.metrics.deduplicated(repeats);
    if (repeats < outcome.duplicate.length) {
      this.metrics.published(outcome.duplicate.length - repeats);
      this.signals.emit({ kind: 'message', queue });
    }
    return outcome.keys.map((key, i) => ({ key, duplicate: outcome.duplicate[i] === true }));
  }

  /**
   * Takes (pop) or leases up to `count` of the oldest ready messages, waiting up to
   * `waitSeconds` for one to arrive when there is none.
   */
  receive(queueName: string, options: ReceiveOptions): Promise<StoredMessage[] | LeasedMessage[]> {
    const queue = parseQueueName(queueName);
    const lease = options.lease;
    const attempt =
      lease === undefined
        ? () => this.store.messages.take(queue, options.count, this.now(), this.budget(options.count))
        : () => this.store.leases.lease(queue, receipts(options.count), lease.seconds === null ? null : lease.seconds * 1000, this.now(), this.budget(options.count));
    const taken = this.longPolls.wait<StoredMessage>(queue, attempt, options.waitSeconds * 1000, options.abort);
    return taken.then((messages) => this.counted(lease === undefined ? 'pop' : 'lease', messages));
  }

  /** Leases up to `count` messages at once (no wait); null seconds takes the queue's default. */
  lease(queueName: string, count: number, seconds: number | null): Promise<LeasedMessage[]> {
    const queue = parseQueueName(queueName);
    const leased = this.store.leases.lease(queue, receipts(count), seconds === null ? null : seconds * 1000, this.now(), this.budget(count));
    return leased.then((messages) => this.counted('lease', messages));
  }

  /** Acknowledges a leased message: it is deleted. Throws 409 for a stale, forged or expired receipt. */
  async ack(key: string, receipt: string, queueName?: string): Promise<void> {
    const { queue, seq } = this.keyOf(key, queueName);
    const outcome = await this.store.leases.ack(queue, seq, receipt, this.now());
    if (outcome !== 'acked') throw refusal(outcome, key);
    this.metrics.acked();
  }

  /**
   * Acknowledges several leased messages of one queue in one store step (one commit, one
   * script call), in order. Answers per entry: null when acked, else the catalog error a
   * single ack would have thrown (409 stale or expired). The transport checked the shape.
   */
  async ackMany(queueName: string, entries: readonly { readonly seq: number; readonly receipt: string; readonly key: string }[]): Promise<(RestMQError | null)[]> {
    const queue = parseQueueName(queueName);
    const outcomes = await this.store.leases.ackMany(queue, entries, this.now());
    return outcomes.map((outcome, i) => {
      if (outcome === 'acked') {
        this.metrics.acked();
        return null;
      }
      return refusal(outcome, (entries[i] as { key: string }).key);
    });
  }

  /** Ends a lease early; the message is visible again after `delaySeconds`, or dead-lettered when out of attempts. */
  async release(key: string, receipt: string, delaySeconds: number, queueName?: string): Promise<ReleaseResult> {
    const { queue, seq } = this.keyOf(key, queueName);
    const now = this.now();
    const outcome = await this.store.leases.release(queue, seq, receipt, now + delaySeconds * 1000, now);
    if (outcome.kind === 'stale' || outcome.kind === 'expired') throw refusal(outcome.kind, key);
    if (outcome.kind === 'released') this.metrics.released();
    else this.metrics.deadLettered('released', 1);
    this.signals.emit({ kind: 'message', queue: outcome.kind === 'released' ? queue : outcome.queue });
    return outcome;
  }

  /** Moves a lease's end to `seconds` from now; answers the new end (ms). */
  async extend(key: string, receipt: string, seconds: number, queueName?: string): Promise<number> {
    const { queue, seq } = this.keyOf(key, queueName);
    const now = this.now();
    const outcome = await this.store.leases.extend(queue, seq, receipt, now + seconds * 1000, now);
    if (outcome === 'stale' || outcome === 'expired') throw refusal(outcome, key);
    return outcome.leaseExpiresAt;
  }

  /** The oldest `count` messages in any state, unchanged. */
  async peek(queueName: string, count: number): Promise<StoredMessage[]> {
    return (await this.store.messages.peek(parseQueueName(queueName), count, this.now(), this.budget(count))).map(plainMessage);
  }

  /**
   * True when an answer of `messages`, asked for `asked`, may have been cut by the answer
   * byte limit: fewer than asked, and no room left for one more message of the largest
   * size, so more may be waiting. (A queue that ran out at the same moment also reads as
   * cut; asking again is then merely empty.)
   */
  answerCut(messages: readonly StoredMessage[], asked: number): boolean {
    const limit = this.budget(asked);
    if (limit === undefined || messages.length >= asked || messages.length === 0) return false;
    const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.value, 'utf8'), 0);
    return limit - bytes < this.maxMessageBytes;
  }

  /** One message by key, unchanged; throws `message_not_found`. */
  async read(key: string, queueName?: string): Promise<StoredMessage> {
    const { queue, seq } = this.keyOf(key, queueName);
    const message = await this.store.messages.read(queue, seq, this.now());
    if (message === null) throw new RestMQError('message_not_found', `no message ${key}`);
    return plainMessage(message);
  }

  /** Moves up to `count` dead letters of `queueName` back to their source queues. */
  async redrive(queueName: string, count: number): Promise<Redriven[]> {
    const moved = await this.store.deadLetters.redrive(parseQueueName(queueName), count, this.now());
    for (const target of new Set(moved.map((m) => parseKey(m.to).queue))) this.signals.emit({ kind: 'message', queue: target });
    return moved;
  }

  /** The queue's settings and the dead-letter queue they resolve to. */
  async config(queueName: string): Promise<QueueConfig> {
    const queue = parseQueueName(queueName);
    const settings = await this.store.queues.settings(queue);
    return { settings, deadLetterQueue: deadLetterQueueOf(queue, settings) };
  }

  /** Changes settings (a patch parsed by the transport). */
  async configure(queueName: string, patch: Partial<QueueSettings>): Promise<QueueConfig> {
    const settings = await this.updateSettings(queueName, patch);
    return { settings, deadLetterQueue: deadLetterQueueOf(queueName, settings) };
  }

  /** Deletes a queue entirely (messages, settings, dedup memory, numbering); closes its streams. */
  async dropQueue(queueName: string): Promise<number> {
    const queue = parseQueueName(queueName);
    // The broadcast history goes with the queue, so a resume after a drop replays nothing.
    const dropped = await this.store.queues.drop(queue);
    this.signals.emit({ kind: 'purge', queue });
    return dropped;
  }

  /** How many long polls are parked on a queue. */
  waiting(queueName: string): number {
    return this.longPolls.waiting(parseQueueName(queueName));
  }

  /** How many long polls are parked on every queue together (the `long_poll` connections of /metrics). */
  parkedLongPolls(): number {
    return this.longPolls.parked();
  }

  /** Answers every parked long poll (empty) and refuses to park more: the first step of shutdown. */
  stopWaiting(): void {
    this.longPolls.close();
  }

  /** Removes and returns the oldest deliverable message, or null when there is none. */
  async pop(queueName: string): Promise<StoredMessage | null> {
    const queue = parseQueueName(queueName);
    const [message] = this.counted('pop', await this.store.messages.take(queue, 1, this.now()));
    return message ?? null;
  }

  /** Returns the oldest deliverable message without removing it, counting the read. */
  async softRead(queueName: string): Promise<StoredMessage | null> {
    const queue = parseQueueName(queueName);
    const message = await this.store.messages.readOldest(queue, this.now());
    return message === null ? null : plainMessage(message);
  }

  /** Deletes one message by key; `queueName`, when given, must be the key's queue. */
  async remove(key: string, queueName?: string): Promise<boolean> {
    const parsed = this.keyOf(key, queueName);
    return this.store.messages.remove(parsed.queue, parsed.seq);
  }

  /** Deletes every message and the broadcast history of a queue, and tells its streaming consumers to close. */
  async purge(queueName: string): Promise<number> {
    const queue = parseQueueName(queueName);
    // The store forgets the broadcast history in the same atomic step.
    const purged = await this.store.messages.purge(queue);
    this.signals.emit({ kind: 'purge', queue });
    return purged;
  }

  /** The queue's settings (defaults for a queue never configured). */
  settings(queueName: string): Promise<QueueSettings> {
    return this.store.queues.settings(parseQueueName(queueName));
  }

  /** Sets the streaming policy. */
  setPolicy(queueName: string, policy: Policy): Promise<QueueSettings> {
    return this.updateSettings(queueName, { policy });
  }

  /** Starts or stops streaming delivery. */
  setStatus(queueName: string, status: QueueStatus): Promise<QueueSettings> {
    return this.updateSettings(queueName, { status });
  }

  /** Names of every queue, sorted. */
  listQueues(): Promise<string[]> {
    return this.store.queues.list();
  }

  /** Stats of one queue, or null when it does not exist. */
  stats(queueName: string): Promise<QueueStats | null> {
    return this.store.queues.stats(parseQueueName(queueName), this.now());
  }

  /** Stats of every queue. */
  async allStats(): Promise<QueueStats[]> {
    const names = await this.store.queues.list();
    const now = this.now();
    const stats = await Promise.all(names.map((q) => this.store.queues.stats(q, now)));
    return stats.filter((s): s is QueueStats => s !== null);
  }

  /** The newest keys of a queue, newest first. */
  latestKeys(queueName: string, limit = LATEST_KEYS_LIMIT): Promise<string[]> {
    return this.store.messages.latestKeys(parseQueueName(queueName), limit);
  }

  /** Resolves when the store answers; rejects with `store_unavailable` otherwise. */
  ready(): Promise<void> {
    return this.store.ping();
  }

  private async updateSettings(queueName: string, patch: Partial<QueueSettings>): Promise<QueueSettings> {
    const queue = parseQueueName(queueName);
    const settings = await this.store.queues.updateSettings(queue, patch, this.now());
    this.signals.emit({ kind: 'config', queue });
    return settings;
  }

  /** Counts delivered messages and answers them unchanged. */
  private counted<T extends StoredMessage>(mode: 'pop' | 'lease', messages: T[]): T[] {
    if (messages.length > 0) this.metrics.delivered(mode, messages, this.now());
    return messages.map(plainMessage);
  }

  /** The byte budget of an answer of up to `count` messages: one message always fits. */
  private budget(count: number): number | undefined {
    return count > 1 ? this.maxAnswerBytes : undefined;
  }

  private keyOf(key: string, queueName?: string): { queue: string; seq: number } {
    const parsed = parseKey(key);
    if (queueName !== undefined && parseQueueName(queueName) !== parsed.queue) {
      throw new RestMQError('invalid_key', `key ${key} does not belong to queue ${queueName}`);
    }
    return parsed;
  }

  private checkSize(value: string, entry: number | null): void {
    // Cheap bound first: a UTF-16 length within max/3 cannot exceed max bytes in UTF-8.
    if (value.length * 3 <= this.maxMessageBytes) return;
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.maxMessageBytes) {
      const which = entry === null ? 'message' : `batch entry ${entry}`;
      throw new RestMQError('message_too_large', `${which} is ${bytes} bytes; the maximum is ${this.maxMessageBytes}`);
    }
  }
}

/** The one place where a store's lease refusal becomes a catalog error. */
function refusal(kind: LeaseRefusal, key: string): RestMQError {
  if (kind === 'expired') return new RestMQError('lease_expired', `the lease of ${key} under this receipt has expired`);
  return new RestMQError('stale_receipt', `the receipt does not match a current lease of ${key} (stale, forged, or the message is gone)`);
}
