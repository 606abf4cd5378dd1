/**
 * Leased streaming consumers of one queue (`?lease=S` on a stream). Each message goes to
 * exactly one of them under a lease, in turn, whatever the queue's policy (the policy is
 * for unleased consumers); the consumer acks, releases or extends it by receipt. A full
 * consumer is skipped, like a full round-robin one. A message leased for a consumer that
 * went away (or filled up) before it could be written is released at once, so it does
 * not wait out its lease.
 */
import { at as element } from './checked.js';
import type { CoreMetrics } from './core-metrics.js';
import { makeReceipts } from './receipts.js';
import type { SignalBus } from './signals.js';
import { Consumer } from './stream-consumer.js';
import type { StreamSink } from './stream-consumer.js';
import type { LeasedMessage } from './types.js';
import type { Store } from '../store/contract.js';

/**
 * Most messages one leasing step hands a consumer (one each in turn). A consumer takes
 * messages while its send buffer has room, acked or not, so this bounds only how many a
 * step may have to give back when a consumer fills up or leaves before they are written.
 */
export const LEASES_PER_CONSUMER_STEP = 16;

/** What a leasing step needs from the Dispatcher. */
export interface LeaseStepDeps {
  readonly store: Store;
  readonly signals: SignalBus;
  /** Most messages leased from a queue in one step. */
  readonly batchSize: number;
  readonly now: () => number;
  readonly log: { warn(obj: object, msg: string): void };
  /** Where streamed leases are counted. */
  readonly metrics: CoreMetrics;
}

/** A consumer that receives messages under leases of its own length. */
export class LeasedConsumer extends Consumer {
  constructor(
    sink: StreamSink,
    /** Lease length asked for, seconds; null for the queue's `lease` setting. */
    readonly leaseSeconds: number | null,
  ) {
    super(sink, false);
  }
}

/** The leased consumers of one queue and whose turn it is. */
export class LeasedGroup {
  private readonly consumers: LeasedConsumer[] = [];
  private turn = 0;

  /** How many leased consumers the queue has here (they keep its feed alive). */
  get size(): number {
    return this.consumers.length;
  }

  /** Every consumer, for ending them all. */
  all(): readonly LeasedConsumer[] {
    return [...this.consumers];
  }

  /** Joins at the end of the turn order. */
  add(consumer: LeasedConsumer): void {
    this.consumers.push(consumer);
  }

  /** Leaves the turn order, keeping the turn on the consumer that had it. */
  remove(consumer: LeasedConsumer): void {
    const at = this.consumers.indexOf(consumer);
    if (at < 0) return;
    this.consumers.splice(at, 1);
    if (at < this.turn) this.turn -= 1;
    if (this.turn >= this.consumers.length) this.turn = 0;
  }

  /**
   * One step: leases up to {@link LEASES_PER_CONSUMER_STEP} messages per ready consumer
   * (at most `batchSize` in all) in one store call, handing them out one each, in turn;
   * true when the store had all it was asked for (more may wait). Several per consumer
   * per step let one commit (one fsync) serve a consumer that acks quickly many times
   * over, instead of one message per consumer per commit.
   */
  async leaseOnce(queue: string, deps: LeaseStepDeps): Promise<boolean> {
    const chosen = this.readyInTurn(deps.batchSize);
    if (chosen.length === 0) return false;
    const perConsumer = Math.max(1, Math.min(LEASES_PER_CONSUMER_STEP, Math.floor(deps.batchSize / chosen.length)));
    // Consumers may ask for different lease lengths: one store call per length.
    const byLength = new Map<number | null, LeasedConsumer[]>();
    for (const consumer of chosen) {
      const group = byLength.get(consumer.leaseSeconds);
      if (group === undefined) byLength.set(consumer.leaseSeconds, [consumer]);
      else group.push(consumer);
    }
    let everyone = true;
    let lastServed = -1;
    const unwritten: LeasedMessage[] = [];
    const written: LeasedMessage[] = [];
    for (const [seconds, group] of byLength) {
      const leaseMs = seconds === null ? null : seconds * 1000;
      const wanted = group.length * perConsumer;
      const leased = await deps.store.leases.lease(queue, makeReceipts(wanted), leaseMs, deps.now());
      if (leased.length < wanted) everyone = false;
      leased.forEach((message, i) => {
        const consumer = element(group, i % group.length);
        if (consumer.closed || !consumer.sink.hasRoom()) {
          unwritten.push(message);
          return;
        }
        consumer.write(message);
        written.push(message);
        lastServed = Math.max(lastServed, chosen.indexOf(consumer));
      });
    }
    if (lastServed >= 0) {
      const at = this.consumers.indexOf(element(chosen, lastServed));
      if (at >= 0) this.turn = (at + 1) % this.consumers.length;
    }
    if (written.length > 0) deps.metrics.delivered('stream', written, deps.now());
    if (unwritten.length > 0) await this.releaseAll(queue, unwritten, deps);
    return everyone && unwritten.length === 0;
  }

  /** Ready consumers starting from the one whose turn it is, at most `limit`. */
  private readyInTurn(limit: number): LeasedConsumer[] {
    // A snapshot: asking a sink for room may end it (and remove it) on the spot.
    const consumers = [...this.consumers];
    const n = consumers.length;
    const ready: LeasedConsumer[] = [];
    for (let i = 0; i < n && ready.length < limit; i++) {
      const consumer = element(consumers, (this.turn + i) % n);
      if (consumer.ready()) ready.push(consumer);
    }
    return ready;
  }

  /** Gives back leases nobody received: visible again now (or dead-lettered when out of attempts). */
  private async releaseAll(queue: string, messages: readonly LeasedMessage[], deps: LeaseStepDeps): Promise<void> {
    for (const message of messages) {
      try {
        const now = deps.now();
        const outcome = await deps.store.leases.release(queue, message.seq, message.receipt, now, now);
        if (outcome.kind === 'released') deps.signals.emit({ kind: 'message', queue });
        else if (outcome.kind === 'dead_lettered') deps.signals.emit({ kind: 'message', queue: outcome.queue });
        // stale or expired: purged or gone meanwhile, nothing to give back.
      } catch (err) {
        deps.log.warn({ err, queue, key: message.key }, 'releasing an undelivered streamed lease failed; it returns when the lease ends');
      }
    }
  }
}
