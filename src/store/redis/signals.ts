/**
 * The SignalBus between daemons: Redis pub/sub, one channel per queue
 * (`<prefix>signal:{<queue>}`), and ONE subscriber connection per daemon however many
 * local listeners wait. A daemon subscribes to a queue's channel while it has a listener
 * for it, so a signal costs nothing on daemons that do not care.
 *
 * Local listeners hear an emit at once (no round trip); other daemons hear it through
 * Redis. Emits of one event-loop turn are coalesced into one PUBLISH per queue and kind,
 * so a burst of publishes costs one PUBLISH, not one each. Signals are wake-ups, not data:
 * a signal lost while Redis is down is made up for by waking every local listener when the
 * subscriber connection comes back, so waiters re-check the queue.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { QueueSignal, SignalBus, SignalKind } from '../../core/signals.js';
import type { KeySpace } from './keys.js';
import type { RedisClient } from './connection.js';

const KINDS: readonly SignalKind[] = ['message', 'config', 'purge'];

/** What the Redis bus needs. */
export interface RedisSignalBusDeps {
  /** The connection PUBLISH goes out on (shared with the store; not closed by the bus). */
  readonly publisher: RedisClient;
  /** The one subscriber connection of this daemon; owned and closed by the bus. */
  readonly subscriber: RedisClient;
  readonly keys: KeySpace;
  readonly logger: Logger;
}

/** Signals over Redis pub/sub. */
export class RedisSignalBus implements SignalBus {
  /** Tells this daemon's own messages apart when Redis echoes them back. */
  private readonly origin = randomUUID();
  private readonly local = new EventEmitter();
  private readonly listening = new Map<string, number>();
  private outgoing = new Set<string>();
  private scheduled = false;
  private closed = false;
  private lostConnection = false;

  constructor(private readonly deps: RedisSignalBusDeps) {
    this.local.setMaxListeners(0);
    deps.subscriber.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    deps.subscriber.on('close', () => {
      this.lostConnection = true;
    });
    deps.subscriber.on('ready', () => {
      if (!this.lostConnection) return;
      this.lostConnection = false;
      // Signals may have been missed while disconnected: let every waiter look again.
      for (const queue of this.listening.keys()) this.local.emit(queue, { kind: 'message', queue });
    });
  }

  emit(signal: QueueSignal): void {
    if (this.closed) return;
    this.local.emit(signal.queue, signal);
    this.outgoing.add(`${signal.kind} ${signal.queue}`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.publish);
    }
  }

  subscribe(queue: string, listener: (signal: QueueSignal) => void): () => void {
    this.local.on(queue, listener);
    const count = this.listening.get(queue) ?? 0;
    this.listening.set(queue, count + 1);
    if (count === 0) {
      this.deps.subscriber.subscribe(this.deps.keys.channel(queue)).then(
        () => {
          // Signals sent before the subscription took hold were missed: let the waiters look.
          if (this.listening.has(queue)) this.local.emit(queue, { kind: 'message', queue });
        },
        (err: unknown) => {
          this.deps.logger.warn({ err, queue }, 'cannot subscribe to queue signals; they resume after reconnecting');
        },
      );
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.local.off(queue, listener);
      const left = (this.listening.get(queue) ?? 1) - 1;
      if (left > 0) {
        this.listening.set(queue, left);
        return;
      }
      this.listening.delete(queue);
      if (!this.closed) {
        this.deps.subscriber.unsubscribe(this.deps.keys.channel(queue)).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.publish();
    this.closed = true;
    this.local.removeAllListeners();
    this.listening.clear();
    // QUIT would sit in the offline queue until a reconnect if Redis is down.
    if (this.deps.subscriber.status === 'ready') await this.deps.subscriber.quit().catch(() => undefined);
    this.deps.subscriber.disconnect(); // also releases the Sentinel failover detector's connections
  }

  private readonly publish = (): void => {
    this.scheduled = false;
    const batch = this.outgoing;
    this.outgoing = new Set();
    for (const entry of batch) {
      const space = entry.indexOf(' ');
      const queue = entry.slice(space + 1);
      const payload = `${this.origin} ${entry.slice(0, space)}`;
      this.deps.publisher.publish(this.deps.keys.channel(queue), payload).catch((err: unknown) => {
        this.deps.logger.debug({ err, queue }, 'cannot publish a queue signal');
      });
    }
  };

  private onMessage(channel: string, payload: string): void {
    const queue = this.deps.keys.queueOfChannel(channel);
    const space = payload.indexOf(' ');
    const kind = payload.slice(space + 1);
    if (queue === null || space < 0 || payload.slice(0, space) === this.origin) return;
    if (!(KINDS as readonly string[]).includes(kind)) return;
    this.local.emit(queue, { kind: kind as SignalKind, queue });
  }
}
