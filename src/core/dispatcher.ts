/**
 * The Dispatcher feeds streaming consumers (COMET, SSE, WebSocket) of this daemon. It wakes
 * on queue signals (a publish, a config change, a purge) and, for work that becomes ready
 * with no signal (a delayed message turning visible, a lease ending), on one timer per
 * queue with consumers, armed to the queue's next due time after each pass (no polling
 * on an interval). For a started queue with ready consumers it takes messages and fans them out by the queue's
 * policy: every consumer (`broadcast`, through the store's broadcast history) or one
 * consumer in turn (`roundrobin`). Nothing is taken while no consumer can receive it; a
 * message taken but not handed to any consumer goes back to the queue at its own key.
 * Consumers that asked for leases (`?lease=S`) take each message under a lease instead,
 * one each in turn whatever the policy (leased-consumers.ts).
 *
 * Transports implement {@link StreamSink} (stream-consumer.ts); the Dispatcher knows
 * nothing of HTTP. On a shared store each daemon runs its own Dispatcher over the same
 * queue and history (see `sharedStore`).
 */
import { at as element } from './checked.js';
import { NO_METRICS } from './core-metrics.js';
import type { CoreMetrics } from './core-metrics.js';
import { clockWithNow, systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { DueTimer } from './due-timer.js';
import { RestMQError } from './errors.js';
import type { QueueSignal, SignalBus } from './signals.js';
import { LeasedConsumer, LeasedGroup } from './leased-consumers.js';
import { Consumer } from './stream-consumer.js';
import type { ResumeFrom, StreamSink, Subscription } from './stream-consumer.js';
import type { HistoryRetention, QueueSettings, StoredMessage } from './types.js';
import type { SharedHistory, Store } from '../store/contract.js';

/** Logging the Dispatcher needs (a pino logger fits). */
export interface DispatcherLog {
  warn(obj: object, msg: string): void;
}

/** What the Dispatcher needs, passed in by the composition root. */
export interface DispatcherDeps {
  readonly store: Store;
  readonly signals: SignalBus;
  /** Most messages taken from a queue in one store call. @default 100 */
  readonly batchSize: number;
  /**
   * Most value bytes in one broadcast batch (the oldest message always goes). Kept well
   * under a connection's buffer so that a consumer keeping pace never counts as full.
   */
  readonly batchBytes: number;
  /** Broadcast history kept for resuming consumers. */
  readonly retention: HistoryRetention;
  readonly log: DispatcherLog;
  /**
   * True when other daemons take from the same store (Redis); the store must then offer
   * `sharedHistory`. Broadcast fans out from the shared history, tailed in the order it was
   * appended, rather than from what this daemon took, so every daemon's consumers get what
   * any daemon took; a daemon that took messages signals the others.
   * @default false
   */
  readonly sharedStore?: boolean;
  /** Queue time and the due timers; tests pass a fake one. @default systemClock */
  readonly clock?: Clock;
  /** Shorthand for a clock whose time is `now` and whose timers are real; ignored with `clock`. */
  readonly now?: () => number;
  /**
   * Told of each `store_unavailable` met while streaming, instead of a warning per failure:
   * the composition root counts them into its one outage log.
   */
  readonly onStoreUnavailable?: (err: RestMQError) => void;
  /** Where streamed deliveries are counted. @default {@link NO_METRICS} */
  readonly metrics?: CoreMetrics;
}

class QueueFeed {
  readonly consumers: Consumer[] = [];
  /** Consumers that take each message under a lease, whatever the policy. */
  readonly leased = new LeasedGroup();
  settings: QueueSettings | null = null;
  /** Next consumer index for round-robin. */
  turn = 0;
  running = false;
  /** News arrived while a pump ran: pump again. */
  dirty = false;
  /** Bumped by purge: messages taken before it are not restored after it. */
  generation = 0;
  /** Shared store: the history position fanned out up to here; null until known. */
  position: string | null = null;
  idle: Promise<void> = Promise.resolve();
  /** Wakes a pass at the queue's next due time. */
  readonly due: DueTimer;

  constructor(
    readonly queue: string,
    readonly unsubscribe: () => void,
    dueTimer: (feed: QueueFeed) => DueTimer,
  ) {
    this.due = dueTimer(this);
  }
}

/** Fans messages out to this daemon's streaming consumers. */
export class Dispatcher {
  private readonly feeds = new Map<string, QueueFeed>();
  private readonly now: () => number;
  private readonly clock: Clock;
  private closing = false;

  private readonly shared: SharedHistory | null;

  constructor(private readonly deps: DispatcherDeps) {
    this.clock = deps.clock ?? (deps.now === undefined ? systemClock : clockWithNow(deps.now));
    this.now = () => this.clock.now();
    this.shared = deps.sharedStore === true ? (deps.store.sharedHistory ?? null) : null;
    if (deps.sharedStore === true && this.shared === null) {
      throw new Error(`a shared ${deps.store.kind} store must offer sharedHistory for broadcast across daemons`);
    }
  }

  /** Consumers connected to `queue` on this daemon. */
  consumerCount(queue: string): number {
    const feed = this.feeds.get(queue);
    return feed === undefined ? 0 : feed.consumers.length + feed.leased.size;
  }

  /**
   * Adds a consumer of `queue` (a validated name; the queue need not exist yet). With
   * `resume`, it first receives the broadcast history after that point, then live messages.
   */
  subscribe(queue: string, sink: StreamSink, resume?: ResumeFrom): Subscription {
    const feed = this.feedFor(queue);
    const consumer = new Consumer(sink, resume !== undefined);
    feed.consumers.push(consumer);
    if (resume !== undefined) this.replay(feed, consumer, resume.afterSeq);
    else this.pump(feed);
    return {
      drained: () => {
        if (consumer.closed) return;
        consumer.flush();
        this.pump(feed);
      },
      cancel: () => this.remove(feed, consumer),
    };
  }

  /**
   * Adds a leased consumer of `queue`: each message it receives is leased to it for
   * `leaseSeconds` (a validated length; null for the queue's `lease` setting) and stays with it until acked, released or the
   * lease ends. Leased consumers share the messages one each, in turn, whatever the
   * queue's policy; on a queue with both kinds each message goes to whichever takes it first.
   */
  subscribeLeased(queue: string, sink: StreamSink, leaseSeconds: number | null): Subscription {
    const feed = this.feedFor(queue);
    const consumer = new LeasedConsumer(sink, leaseSeconds);
    feed.leased.add(consumer);
    this.pump(feed);
    return {
      drained: () => {
        if (!consumer.closed) this.pump(feed);
      },
      cancel: () => this.removeLeased(feed, consumer),
    };
  }

  /** The feed of `queue`, made (and subscribed to its signals) on first use. */
  private feedFor(queue: string): QueueFeed {
    if (this.closing) throw new RestMQError('shutting_down');
    let feed = this.feeds.get(queue);
    if (feed === undefined) {
      const unsubscribe = this.deps.signals.subscribe(queue, (signal) => this.onSignal(signal));
      feed = new QueueFeed(queue, unsubscribe, (created) => new DueTimer({
        queue,
        nextDueAt: (q, now) => this.deps.store.messages.nextDueAt(q, now),
        clock: this.clock,
        wanted: () => !this.closing && hasConsumers(created) && this.feeds.get(queue) === created,
        fire: () => this.pump(created),
      }));
      // Whatever any daemon streams from now on is for this daemon's consumers too.
      if (this.shared !== null) feed.position = this.shared.positionAt(this.now());
      this.feeds.set(queue, feed);
    }
    return feed;
  }

  /**
   * Stops taking messages, waits for deliveries in flight (so nothing taken is lost), then
   * ends every stream with `reason`. Idempotent.
   */
  async close(reason: RestMQError = new RestMQError('shutting_down')): Promise<void> {
    this.closing = true;
    const feeds = [...this.feeds.values()];
    for (const feed of feeds) feed.due.clear();
    await Promise.all(feeds.map((f) => f.idle));
    for (const feed of feeds) this.endAll(feed, reason);
  }

  private onSignal(signal: QueueSignal): void {
    const feed = this.feeds.get(signal.queue);
    if (feed === undefined) return;
    if (signal.kind === 'purge') {
      feed.generation += 1;
      // The history was cleared: a shared stream starts over from now.
      if (this.shared !== null) feed.position = this.shared.positionAt(this.now());
      this.endAll(feed, new RestMQError('queue_purged'));
      return;
    }
    if (signal.kind === 'config') feed.settings = null;
    this.pump(feed);
  }

  private endAll(feed: QueueFeed, reason: RestMQError): void {
    for (const consumer of [...feed.consumers]) {
      this.remove(feed, consumer);
      consumer.sink.end(reason);
    }
    for (const consumer of feed.leased.all()) {
      this.removeLeased(feed, consumer);
      consumer.sink.end(reason);
    }
  }

  private remove(feed: QueueFeed, consumer: Consumer): void {
    if (consumer.closed) return;
    consumer.closed = true;
    const at = feed.consumers.indexOf(consumer);
    if (at >= 0) feed.consumers.splice(at, 1);
    if (at >= 0 && at < feed.turn) feed.turn -= 1;
    if (!hasConsumers(feed) && !feed.running) this.drop(feed);
  }

  private removeLeased(feed: QueueFeed, consumer: LeasedConsumer): void {
    if (consumer.closed) return;
    consumer.closed = true;
    feed.leased.remove(consumer);
    if (!hasConsumers(feed) && !feed.running) this.drop(feed);
  }

  private drop(feed: QueueFeed): void {
    if (this.feeds.get(feed.queue) !== feed) return;
    feed.unsubscribe();
    feed.due.clear();
    this.feeds.delete(feed.queue);
  }

  private replay(feed: QueueFeed, consumer: Consumer, afterSeq: number): void {
    const { retention } = this.deps;
    this.deps.store.streams
      .readHistory(feed.queue, afterSeq, retention.maxMessages, this.now(), retention)
      .then(
        (history) => {
          if (consumer.closed) return;
          // Live messages that arrived meanwhile follow the history; overlap is dropped by seq.
          const held = [...history, ...(consumer.held ?? [])].sort((a, b) => a.seq - b.seq);
          consumer.held = held;
          consumer.resumeAfter = afterSeq;
          consumer.awaitingHistory = false;
          if (consumer.flush()) this.pump(feed);
        },
        (err: unknown) => {
          this.failed(err, feed.queue, 'reading the broadcast history failed');
          this.remove(feed, consumer);
          consumer.sink.end(err instanceof RestMQError ? err : new RestMQError('store_unavailable'));
        },
      );
  }

  /** A store outage goes to the outage log when there is one; anything else is warned about. */
  private failed(err: unknown, queue: string, what: string): void {
    const hook = this.deps.onStoreUnavailable;
    if (hook !== undefined && err instanceof RestMQError && err.code === 'store_unavailable') hook(err);
    else this.deps.log.warn({ err, queue }, what);
  }

  private slow(feed: QueueFeed, consumer: Consumer): void {
    this.remove(feed, consumer);
    consumer.sink.end(new RestMQError('slow_consumer'));
  }

  /** Starts a pump unless one runs (then it runs again when done). */
  private pump(feed: QueueFeed): void {
    if (this.closing) return;
    if (feed.running) {
      feed.dirty = true;
      return;
    }
    feed.running = true;
    feed.idle = this.run(feed).then(
      () => undefined,
      (err: unknown) => this.failed(err, feed.queue, 'streaming delivery failed; waiting for the next signal'),
    ).finally(() => {
      feed.running = false;
      if (!hasConsumers(feed)) this.drop(feed);
      // News that came between the last pass and here only set `dirty`: pump again.
      else if (feed.dirty) this.pump(feed);
      // Work that comes due later (a delay, a lease) sends no signal: wake for it then.
      else if (feed.settings?.status === 'started') feed.due.arm();
    });
  }

  private async run(feed: QueueFeed): Promise<void> {
    do {
      feed.dirty = false;
      // Another daemon may have stopped the queue a moment ago and its config signal may
      // still be on its way: on a shared store each pass reads the settings afresh.
      if (this.shared !== null) feed.settings = null;
      feed.settings ??= await this.deps.store.queues.settings(feed.queue);
      if (feed.settings.status !== 'started') continue;
      const more =
        feed.settings.policy === 'broadcast' ? await this.broadcastOnce(feed) : await this.roundRobinOnce(feed);
      if (more) feed.dirty = true;
      if (await this.leaseStep(feed)) feed.dirty = true;
    } while (feed.dirty && !this.closing && hasConsumers(feed));
  }

  /** One step for the leased consumers; true when more may wait. */
  private leaseStep(feed: QueueFeed): Promise<boolean> {
    if (feed.leased.size === 0) return Promise.resolve(false);
    const { store, signals, batchSize, log } = this.deps;
    return feed.leased.leaseOnce(feed.queue, { store, signals, batchSize, log, now: this.now, metrics: this.deps.metrics ?? NO_METRICS });
  }

  /** One broadcast step; true when the batch was full (more may wait). */
  private async broadcastOnce(feed: QueueFeed): Promise<boolean> {
    if (!feed.consumers.some((c) => c.ready())) return false;
    if (this.shared !== null) return this.sharedBroadcastOnce(feed, this.shared);
    const { batchSize, batchBytes, retention } = this.deps;
    const generation = feed.generation;
    const taken = await this.deps.store.streams.takeForBroadcast(feed.queue, batchSize, batchBytes, this.now(), retention);
    if (taken.length === 0) return false;
    const receivers = feed.consumers.filter((c) => !c.closed);
    if (receivers.length === 0) {
      await this.giveBack(feed, generation, taken);
      return false;
    }
    (this.deps.metrics ?? NO_METRICS).delivered('stream', taken, this.now());
    for (const consumer of receivers) this.deliverBatch(feed, consumer, taken);
    return this.fullBatch(taken);
  }

  /**
   * Broadcast on a shared store: take into the shared history (as any daemon may), tell
   * the other daemons, then fan out everything the history gained past this daemon's
   * position, whoever took it and whatever its key (a message back from a lease or a delay
   * has a lower key than those streamed before it). Nothing goes back: other daemons may
   * have delivered it.
   */
  private async sharedBroadcastOnce(feed: QueueFeed, shared: SharedHistory): Promise<boolean> {
    const { batchSize, batchBytes, retention } = this.deps;
    const generation = feed.generation;
    const start = feed.position ?? shared.positionAt(this.now());
    const taken = await this.deps.store.streams.takeForBroadcast(feed.queue, batchSize, batchBytes, this.now(), retention);
    if (taken.length > 0) {
      // Counted by the daemon that took it out of the queue, once, whoever fans it out.
      (this.deps.metrics ?? NO_METRICS).delivered('stream', taken, this.now());
      this.deps.signals.emit({ kind: 'message', queue: feed.queue });
    }
    const page = await shared.after(feed.queue, start, batchSize, this.now());
    if (feed.generation !== generation) return false; // purged meanwhile: the consumers are gone
    feed.position = page.position;
    if (page.messages.length > 0) {
      for (const consumer of feed.consumers.filter((c) => !c.closed)) this.deliverBatch(feed, consumer, page.messages);
    }
    return this.fullBatch(taken) || page.more;
  }

  /** A short batch means the queue ran dry, unless the byte budget cut it. */
  private fullBatch(taken: readonly StoredMessage[]): boolean {
    if (taken.length === this.deps.batchSize) return true;
    const bytes = taken.reduce((n, m) => n + Buffer.byteLength(m.value, 'utf8'), 0);
    return bytes >= this.deps.batchBytes;
  }

  /**
   * Hands a broadcast batch to one consumer. A live consumer with room takes it whole (a
   * batch is small next to its buffer); one still catching up queues it behind what it
   * holds; a live consumer whose buffer is full fell a whole buffer behind: dropped.
   */
  private deliverBatch(feed: QueueFeed, consumer: Consumer, batch: readonly StoredMessage[]): void {
    if (consumer.held !== null) {
      consumer.held.push(...batch);
      if (consumer.held.length > this.deps.retention.maxMessages + this.deps.batchSize) this.slow(feed, consumer);
      else consumer.flush();
      return;
    }
    if (!consumer.sink.hasRoom()) {
      this.slow(feed, consumer);
      return;
    }
    for (const message of batch) consumer.write(message);
  }

  /** One round-robin step: at most one message per ready consumer; true when all were used. */
  private async roundRobinOnce(feed: QueueFeed): Promise<boolean> {
    const ready = feed.consumers.filter((c) => c.ready()).length;
    if (ready === 0) return false;
    const generation = feed.generation;
    const limit = Math.min(ready, this.deps.batchSize);
    const taken = await this.deps.store.messages.take(feed.queue, limit, this.now());
    const left: StoredMessage[] = [];
    for (const message of taken) {
      const consumer = this.nextReady(feed);
      if (consumer === null) left.push(message);
      else consumer.write(message);
    }
    if (left.length < taken.length) (this.deps.metrics ?? NO_METRICS).delivered('stream', taken.filter((m) => !left.includes(m)), this.now());
    if (left.length > 0) await this.giveBack(feed, generation, left);
    return taken.length === limit && left.length === 0;
  }

  /** The next consumer in turn with room, advancing the turn past it; null when none. */
  private nextReady(feed: QueueFeed): Consumer | null {
    const n = feed.consumers.length;
    for (let i = 0; i < n; i++) {
      const index = (feed.turn + i) % n;
      const consumer = element(feed.consumers, index);
      if (consumer.ready()) {
        feed.turn = (index + 1) % n;
        return consumer;
      }
    }
    return null;
  }

  private async giveBack(feed: QueueFeed, generation: number, messages: StoredMessage[]): Promise<void> {
    if (feed.generation !== generation) return; // purged meanwhile: they are gone with the rest
    await this.deps.store.streams.restore(feed.queue, messages);
  }
}

function hasConsumers(feed: QueueFeed): boolean {
  return feed.consumers.length > 0 || feed.leased.size > 0;
}

export type { ResumeFrom, StreamSink, Subscription } from './stream-consumer.js';
