/**
 * RestMQ's typed client (`restmq/client`), for Node 20+ and browsers: publish, pop, lease
 * with ack/release/extend, long polls, queue settings, stats, and subscriptions that
 * reconnect and resume. It speaks the HTTP API of docs/api.md with `Accept: application/json`
 * and imports nothing from the server but the error catalog, so codes stay in step.
 */
import { array, number, object, text, textOrNull } from './answers.js';
import { Http } from './http.js';
import type { ConnectionOptions } from './http.js';
import { subscribe } from './subscribe.js';
import type { SubscribeOptions, Subscription } from './subscribe.js';

export { ForbiddenError, LeaseLostError, MessageNotFoundError, QueueFullError, RestMQError, UnauthorizedError } from './errors.js';
export type { ClientErrorCode, ErrorCode } from './errors.js';
export type { ConnectionOptions } from './http.js';
export type { StreamMessage, SubscribeOptions, Subscription, WebSocketConstructor, WebSocketLike } from './subscribe.js';

/** Options of one publish. */
export interface PublishOptions {
  /** Seconds until the message expires (1 to 31536000). */
  readonly ttl?: number;
  /** Seconds the message stays invisible (0 to 604800). */
  readonly delay?: number;
  /** Deduplication id: a repeat within the queue's `dedup_window` stores nothing. */
  readonly dedup?: string;
  /** Message group (1 to 128 printable ASCII characters): a group's messages are delivered in order, one batch of them out at a time. */
  readonly group?: string;
}

/** What a publish stored. */
export interface Published {
  readonly key: string;
  /** True when the dedup id was a repeat and nothing new was stored (`key` is the first one's). */
  readonly duplicate: boolean;
}

/** One batch entry: a value, or a value with its own options. */
export type BatchEntry = string | ({ readonly value: unknown } & PublishOptions);

/** A popped message. */
export interface Message {
  readonly key: string;
  readonly value: string;
  /** Soft reads (JSON `get`) that saw it before. */
  readonly count: number;
  /** Its message group, when it was published in one. */
  readonly group?: string;
}

/** A message read by peek or by key, in any state. */
export interface PeekedMessage extends Message {
  readonly state: string;
  readonly attempts: number;
}

/** How to lease. */
export interface LeaseOptions {
  /** Lease length in seconds (1 to 43200); absent takes the queue's `lease` setting. */
  readonly seconds?: number;
  /** Up to this many messages (1 to 100). @default 1 */
  readonly n?: number;
  /** Long poll: wait up to this many seconds (0 to 20) when nothing is ready. */
  readonly wait?: number;
}

/** A leased message with the operations its receipt allows. */
export interface LeasedMessage extends Message {
  readonly receipt: string;
  readonly attempts: number;
  readonly leaseExpiresAt: string;
  /** Deletes the message (409 {@link LeaseLostError} when the lease is gone). */
  ack(): Promise<void>;
  /** Ends the lease now; the message is visible again after `delay` seconds. */
  release(options?: { delay?: number }): Promise<{ visibleAt: string | null; deadLetter: boolean }>;
  /** Moves the lease's end to `seconds` from now; answers the new end. */
  extend(seconds: number): Promise<string>;
}

/** A queue's settings (docs/reliable-delivery.md, "Queue settings"). */
export interface QueueConfig {
  readonly policy?: 'broadcast' | 'roundrobin';
  readonly status?: 'started' | 'stopped' | 'start' | 'stop';
  readonly lease?: number;
  readonly max_attempts?: number;
  readonly dead_letter?: string | null;
  readonly delay?: number;
  readonly ttl?: number | null;
  readonly max_length?: number | null;
  readonly dedup_window?: number;
}

const q = (queue: string): string => `/q/${encodeURIComponent(queue)}`;

function message(body: unknown): Message {
  const record = object(body, 'a message');
  const plain = { key: text(record, 'key'), value: text(record, 'value'), count: typeof record['count'] === 'number' ? record['count'] : 0 };
  return typeof record['group'] === 'string' ? { ...plain, group: record['group'] } : plain;
}

/** A client of one RestMQ server; immutable, safe to share. */
export class RestMQClient {
  private readonly http: Http;

  constructor(options: ConnectionOptions) {
    this.http = new Http(options);
  }

  /** Publishes one value (a string as is, any other JSON document as its text). */
  async publish(queue: string, value: unknown, options: PublishOptions = {}): Promise<Published> {
    const { body } = await this.http.request({
      method: 'POST',
      path: q(queue),
      form: { value: typeof value === 'string' ? value : JSON.stringify(value), ttl: options.ttl, delay: options.delay, dedup: options.dedup, group: options.group },
    });
    const record = object(body, 'the publish answer');
    return { key: text(record, 'key'), duplicate: record['duplicate'] === true };
  }

  /** Publishes up to 1000 entries in one commit, all or nothing. */
  async publishBatch(queue: string, entries: readonly BatchEntry[]): Promise<Published[]> {
    const { body } = await this.http.request({ method: 'POST', path: `${q(queue)}/batch`, json: entries });
    const record = object(body, 'the batch answer');
    const keys = array(record['keys'], 'keys');
    const duplicate = array(record['duplicate'], 'duplicate');
    return keys.map((key, i) => {
      if (typeof key !== 'string') throw new TypeError('unexpected answer: a batch key is not a string');
      return { key, duplicate: duplicate[i] === true };
    });
  }

  /** Pops the oldest ready message, long-polling up to `wait` seconds; null when none came. */
  async pop(queue: string, options: { wait?: number } = {}): Promise<Message | null> {
    const answer = await this.http.request({ method: 'GET', path: q(queue), query: { wait: options.wait } });
    return answer.status === 204 ? null : message(answer.body);
  }

  /** Lists the oldest `n` messages (1 to 100) in any state, changing nothing. */
  async peek(queue: string, n: number): Promise<PeekedMessage[]> {
    const { body } = await this.http.request({ method: 'GET', path: q(queue), query: { peek: n } });
    return array(body, 'the peek answer').map((item) => this.peeked(item));
  }

  /** Reads one message by key (404 {@link MessageNotFoundError} when it is not there). */
  async get(queue: string, key: string): Promise<PeekedMessage> {
    const { body } = await this.http.request({ method: 'GET', path: `${q(queue)}/${encodeURIComponent(key)}` });
    return this.peeked(body);
  }

  /** Leases up to `n` messages; each carries `ack`, `release` and `extend` bound to its receipt. */
  async lease(queue: string, options: LeaseOptions = {}): Promise<LeasedMessage[]> {
    const answer = await this.http.request({
      method: 'GET',
      path: q(queue),
      query: { lease: options.seconds ?? '', n: options.n ?? 1, wait: options.wait },
    });
    if (answer.status === 204) return [];
    return array(answer.body, 'the lease answer').map((item) => this.leased(queue, item));
  }

  /** Acks a lease: deletes the message. */
  async ack(queue: string, key: string, receipt: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `${q(queue)}/${encodeURIComponent(key)}`, query: { receipt } });
  }

  /** Ends a lease; `deadLetter` says the message moved to the dead-letter queue. */
  async release(queue: string, key: string, receipt: string, options: { delay?: number } = {}): Promise<{ visibleAt: string | null; deadLetter: boolean }> {
    const { body } = await this.http.request({ method: 'POST', path: `${q(queue)}/${encodeURIComponent(key)}/release`, query: { receipt, delay: options.delay } });
    const record = object(body, 'the release answer');
    return { visibleAt: textOrNull(record, 'visible_at'), deadLetter: typeof record['dead_letter'] === 'object' && record['dead_letter'] !== null };
  }

  /** Extends a lease to `seconds` from now; answers the new end (ISO 8601). */
  async extend(queue: string, key: string, receipt: string, seconds: number): Promise<string> {
    const { body } = await this.http.request({ method: 'POST', path: `${q(queue)}/${encodeURIComponent(key)}/extend`, query: { receipt, lease: seconds } });
    return text(object(body, 'the extend answer'), 'lease_expires_at');
  }

  /** Deletes one message whatever its state; false when it was not there. */
  async delete(queue: string, key: string): Promise<boolean> {
    const { body } = await this.http.request({ method: 'DELETE', path: `${q(queue)}/${encodeURIComponent(key)}` });
    return object(body, 'the delete answer')['deleted'] === true;
  }

  /** Every setting of a queue. */
  async config(queue: string): Promise<Record<string, unknown>> {
    const { body } = await this.http.request({ method: 'GET', path: `${q(queue)}/config` });
    return object(body, 'the config answer');
  }

  /** Changes some settings of a queue, all or none; answers every setting. */
  async configure(queue: string, patch: QueueConfig): Promise<Record<string, unknown>> {
    const { body } = await this.http.request({ method: 'PUT', path: `${q(queue)}/config`, json: patch });
    return object(body, 'the config answer');
  }

  /** Stats of one queue, or of every queue the caller may consume. */
  async stats(queue?: string): Promise<Record<string, unknown>> {
    const { body } = await this.http.request({ method: 'GET', path: queue === undefined ? '/stats/' : `/stats/${encodeURIComponent(queue)}` });
    return object(body, 'the stats answer');
  }

  /** Deletes every message of a queue; answers how many. */
  async purge(queue: string): Promise<number> {
    const { body } = await this.http.request({ method: 'DELETE', path: q(queue) });
    return number(object(body, 'the purge answer'), 'purged');
  }

  /** Deletes a queue with its messages and settings; answers how many messages went. */
  async drop(queue: string): Promise<number> {
    const { body } = await this.http.request({ method: 'DELETE', path: q(queue), query: { drop: 1 } });
    return number(object(body, 'the drop answer'), 'purged');
  }

  /** Sets the streaming policy. */
  async setPolicy(queue: string, policy: 'broadcast' | 'roundrobin'): Promise<void> {
    await this.http.request({ method: 'POST', path: `/p/${encodeURIComponent(queue)}`, form: { policy } });
  }

  /** Starts or stops streaming delivery of a queue. */
  async setStatus(queue: string, status: 'start' | 'stop'): Promise<void> {
    await this.http.request({ method: 'POST', path: `/control/${encodeURIComponent(queue)}`, form: { status } });
  }

  /** Moves up to `n` dead letters back to their source queues; answers how many moved. */
  async redrive(queue: string, n?: number): Promise<number> {
    const { body } = await this.http.request({ method: 'POST', path: `${q(queue)}/redrive`, query: { n } });
    return number(object(body, 'the redrive answer'), 'moved');
  }

  /** Subscribes to a queue over SSE or WebSocket, reconnecting and resuming after the last key. */
  subscribe(queue: string, options: SubscribeOptions): Subscription {
    return subscribe(this.http, queue, options);
  }

  private peeked(body: unknown): PeekedMessage {
    const record = object(body, 'a message');
    return { ...message(record), state: text(record, 'state'), attempts: number(record, 'attempts') };
  }

  private leased(queue: string, body: unknown): LeasedMessage {
    const record = object(body, 'a leased message');
    const base = message(record);
    const receipt = text(record, 'receipt');
    return {
      ...base,
      receipt,
      attempts: number(record, 'attempts'),
      leaseExpiresAt: text(record, 'lease_expires_at'),
      ack: () => this.ack(queue, base.key, receipt),
      release: (options = {}) => this.release(queue, base.key, receipt, options),
      extend: (seconds) => this.extend(queue, base.key, receipt, seconds),
    };
  }
}
