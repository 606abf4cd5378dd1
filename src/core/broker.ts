/**
 * The Broker: the one place where queue semantics live. Transports hand it parsed values
 * and render what it returns; it validates names and limits, calls the store, and signals
 * waiters. It knows nothing of HTTP.
 */
import { RestMQError } from './errors.js';
import { parseKey, parseQueueName } from './names.js';
import type { SignalBus } from './signals.js';
import type { Policy, QueueSettings, QueueStats, QueueStatus, StoredMessage } from './types.js';
import type { Store } from '../store/contract.js';

/** What the Broker needs, passed in by the composition root. */
export interface BrokerDeps {
  readonly store: Store;
  readonly signals: SignalBus;
  /** Largest value accepted, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** The clock; tests pass a fake one. @default Date.now */
  readonly now?: () => number;
}

/** What a producer sends. */
export interface PublishInput {
  readonly value: string;
  /** Seconds until the message expires, or null for never. */
  readonly ttlSeconds: number | null;
}

/** Longest page of keys the /j view shows. */
export const LATEST_KEYS_LIMIT = 10;

/** Queue operations in RestMQ's terms. */
export class Broker {
  private readonly store: Store;
  private readonly signals: SignalBus;
  private readonly maxMessageBytes: number;
  private readonly now: () => number;

  constructor(deps: BrokerDeps) {
    this.store = deps.store;
    this.signals = deps.signals;
    this.maxMessageBytes = deps.maxMessageBytes;
    this.now = deps.now ?? Date.now;
  }

  /** Stores one message and returns its key once it is durable. */
  async publish(queueName: string, input: PublishInput): Promise<string> {
    const queue = parseQueueName(queueName);
    this.checkSize(input.value);
    const now = this.now();
    const expiresAt = input.ttlSeconds === null ? null : now + input.ttlSeconds * 1000;
    const [key] = await this.store.messages.append(queue, [{ value: input.value, expiresAt }], now);
    this.signals.emit({ kind: 'message', queue });
    return key as string;
  }

  /** Removes and returns the oldest deliverable message, or null when there is none. */
  async pop(queueName: string): Promise<StoredMessage | null> {
    const queue = parseQueueName(queueName);
    const [message] = await this.store.messages.take(queue, 1, this.now());
    return message ?? null;
  }

  /** Returns the oldest deliverable message without removing it, counting the read. */
  softRead(queueName: string): Promise<StoredMessage | null> {
    const queue = parseQueueName(queueName);
    return this.store.messages.readOldest(queue, this.now());
  }

  /** Deletes one message by key; `queueName`, when given, must be the key's queue. */
  async remove(key: string, queueName?: string): Promise<boolean> {
    const parsed = parseKey(key);
    if (queueName !== undefined && parseQueueName(queueName) !== parsed.queue) {
      throw new RestMQError('invalid_key', `key ${key} does not belong to queue ${queueName}`);
    }
    return this.store.messages.remove(parsed.queue, parsed.seq);
  }

  /** Deletes every message and the broadcast history of a queue, and tells its streaming consumers to close. */
  async purge(queueName: string): Promise<number> {
    const queue = parseQueueName(queueName);
    // Submitted together, so the SQLite store commits both in one transaction.
    const [purged] = await Promise.all([this.store.messages.purge(queue), this.store.streams.clearHistory(queue)]);
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

  private checkSize(value: string): void {
    // Cheap bound first: a UTF-16 length within max/3 cannot exceed max bytes in UTF-8.
    if (value.length * 3 <= this.maxMessageBytes) return;
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.maxMessageBytes) {
      throw new RestMQError('message_too_large', `message is ${bytes} bytes; the maximum is ${this.maxMessageBytes}`);
    }
  }
}
