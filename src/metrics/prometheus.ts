/**
 * The Prometheus side of RestMQ's metrics: one prom-client Registry per server (never the
 * global one, so several servers in one process keep their own figures), the core's
 * counters ({@link CoreMetrics}), the HTTP latency histogram and open connections, and the
 * per-scrape store figures rendered under the caller's ACL. docs/operations.md lists them.
 */
import { stat } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CoreMetrics, DeadLetterReason, DeliveryMode } from '../core/core-metrics.js';
import type { QueueStats, StoredMessage } from '../core/types.js';
import { capQueues } from './queue-series.js';

/** A kind of long-lived connection counted in `restmq_open_connections`. */
export type Transport = 'comet' | 'sse' | 'websocket' | 'long_poll';

/** What the store looks like at scrape time. */
export interface StoreHealth {
  /** "sqlite" or "redis". */
  readonly kind: string;
  /** True when the store answered a ping. */
  readonly up: boolean;
  /** Bytes of the SQLite write-ahead log; null on other stores. */
  readonly walBytes: number | null;
}

/** What one scrape shows besides the daemon's own figures. */
export interface ScrapeInput {
  /** Stats of the queues the caller may see; null when the store could not answer. */
  readonly queues: readonly QueueStats[] | null;
  /** Queues with their own label (see --metrics-queue-labels). */
  readonly queueLabels: number;
  readonly store: StoreHealth;
  /** Long polls parked now (counted by the Broker, not by a hook). */
  readonly longPolls: number;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const AGE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600];

/** A server's metrics: the core's sink, the HTTP figures and the text of a scrape. */
export class PrometheusMetrics implements CoreMetrics {
  /** The per-server registry of the daemon's own figures. */
  readonly registry = new Registry();
  private readonly publishedTotal = this.counter('restmq_messages_published_total', 'Messages stored by this daemon (dedup repeats and refusals not counted).');
  private readonly deduplicatedTotal = this.counter('restmq_messages_deduplicated_total', 'Publishes that repeated a remembered dedup id and stored nothing.');
  private readonly refusedTotal = this.counter('restmq_messages_refused_full_total', 'Messages refused with 429 queue_full (the queue was at its max_length).');
  private readonly deliveredTotal = this.counter('restmq_messages_delivered_total', 'Messages handed to consumers by this daemon, by mode (pop, lease, stream).', ['mode']);
  private readonly ackedTotal = this.counter('restmq_messages_acked_total', 'Leases acknowledged.');
  private readonly releasedTotal = this.counter('restmq_messages_released_total', 'Leases released by their consumer (visible again).');
  private readonly deadLetteredTotal = this.counter('restmq_messages_dead_lettered_total', 'Messages moved to their dead-letter queue out of attempts, by reason (released, lease_expired).', ['reason']);
  private readonly expiredTotal = this.counter('restmq_messages_expired_total', 'Messages dropped because their ttl passed (counted when the store deletes them).');
  private readonly deliveryAge = new Histogram({
    name: 'restmq_publish_to_delivery_seconds',
    help: 'Time from publish to delivery, by mode.',
    labelNames: ['mode'],
    buckets: AGE_BUCKETS,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'restmq_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern (streams not included).',
    labelNames: ['method', 'route'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** Labelled children by key, so a hot path skips prom-client's label hashing (about 1.5 µs). */
  private readonly children = new Map<string, { observe(value: number): void }>();
  /** The request histogram's children by method, then route pattern. */
  private readonly requestChildren = new Map<string, Map<string, { observe(value: number): void }>>();
  private readonly open = new Map<Transport, number>([['comet', 0], ['sse', 0], ['websocket', 0], ['long_poll', 0]]);

  constructor() {
    // Event-loop delay (nodejs_eventloop_lag_*), heap, CPU and file descriptors.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    // Every mode from the start, so a rate() sees the series before its first delivery.
    for (const mode of ['pop', 'lease', 'stream'] as const) this.deliveredTotal.inc({ mode }, 0);
    for (const reason of ['released', 'lease_expired'] as const) this.deadLetteredTotal.inc({ reason }, 0);
  }

  published(count: number): void {
    this.publishedTotal.inc(count);
  }

  deduplicated(count: number): void {
    this.deduplicatedTotal.inc(count);
  }

  refusedFull(count: number): void {
    this.refusedTotal.inc(count);
  }

  delivered(mode: DeliveryMode, messages: readonly StoredMessage[], now: number): void {
    this.deliveredTotal.inc({ mode }, messages.length);
    const age = this.child(mode, () => this.deliveryAge.labels({ mode }));
    for (const m of messages) age.observe(Math.max(0, now - m.createdAt) / 1000);
  }

  acked(): void {
    this.ackedTotal.inc();
  }

  released(): void {
    this.releasedTotal.inc();
  }

  deadLettered(reason: DeadLetterReason, count: number): void {
    this.deadLetteredTotal.inc({ reason }, count);
  }

  expired(count: number): void {
    this.expiredTotal.inc(count);
  }

  /** Records one answered request under its route pattern (never the raw URL). */
  request(method: string, route: string, seconds: number): void {
    // By method, then route: no key string is built per request.
    let routes = this.requestChildren.get(method);
    if (routes === undefined) {
      routes = new Map();
      this.requestChildren.set(method, routes);
    }
    let child = routes.get(route);
    if (child === undefined) {
      child = this.requestSeconds.labels({ method, route });
      routes.set(route, child);
    }
    child.observe(seconds);
  }

  private child(key: string, make: () => { observe(value: number): void }): { observe(value: number): void } {
    let found = this.children.get(key);
    if (found === undefined) {
      found = make();
      this.children.set(key, found);
    }
    return found;
  }

  /** Counts a connection of `transport` open; call the answer once when it closes. */
  opened(transport: Exclude<Transport, 'long_poll'>): () => void {
    this.open.set(transport, (this.open.get(transport) ?? 0) + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.open.set(transport, (this.open.get(transport) ?? 1) - 1);
    };
  }

  /** The text of one scrape: the daemon's figures, then the store's as the caller may see them. */
  async scrape(input: ScrapeInput): Promise<string> {
    this.open.set('long_poll', input.longPolls);
    const daemon = await this.registry.metrics();
    const now = new Registry();
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => new Gauge({ name, help, labelNames, registers: [now] });
    const connections = gauge('restmq_open_connections', 'Open long-lived connections of this daemon, by transport.', ['transport']);
    for (const [transport, n] of this.open) connections.set({ transport }, n);
    gauge('restmq_store_up', 'Whether the store answered a ping at this scrape (1) or not (0).', ['store']).set({ store: input.store.kind }, input.store.up ? 1 : 0);
    if (input.store.walBytes !== null) gauge('restmq_sqlite_wal_bytes', 'Size of the SQLite write-ahead log file.').set(input.store.walBytes);
    if (input.queues !== null) {
      gauge('restmq_queues', 'Queues the caller may see (labelled or summed into _other).').set(input.queues.length);
      const messages = gauge('restmq_queue_messages', 'Messages of a queue by state (ready, leased, delayed), as the store last settled them.', ['queue', 'state']);
      const dead = gauge('restmq_queue_dead_letters', 'Dead letters held in a queue (the depth of a dead-letter queue).', ['queue']);
      const age = gauge('restmq_queue_oldest_age_seconds', "Age of the queue's oldest message (0 when empty; the largest for _other).", ['queue']);
      for (const row of capQueues(input.queues, input.queueLabels)) {
        messages.set({ queue: row.queue, state: 'ready' }, row.ready);
        messages.set({ queue: row.queue, state: 'leased' }, row.leased);
        messages.set({ queue: row.queue, state: 'delayed' }, row.delayed);
        dead.set({ queue: row.queue }, row.deadLetters);
        age.set({ queue: row.queue }, row.oldestAgeSeconds);
      }
    }
    return daemon + (await now.metrics());
  }

  private counter(name: string, help: string, labelNames: string[] = []): Counter {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}

/** Size of the SQLite write-ahead log at `path`; 0 when there is none (checkpointed away). */
export async function walBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
