/**
 * Signals say "queue Q has news" between the Broker and whatever waits on a queue
 * (streaming dispatchers, long polls). They carry no messages, only wake-ups: the
 * in-process bus serves one daemon; a Redis pub/sub bus carries the same events between
 * daemons.
 */
import { EventEmitter } from 'node:events';

/** What happened to a queue. */
export type SignalKind = 'message' | 'config' | 'purge';

/** One wake-up. */
export interface QueueSignal {
  readonly kind: SignalKind;
  readonly queue: string;
}

/** A bus of queue signals. */
export interface SignalBus {
  /** Tells every listener (on every daemon, for a shared bus) about `signal`. */
  emit(signal: QueueSignal): void;
  /** Listens to signals for one queue; returns the function that stops listening. */
  subscribe(queue: string, listener: (signal: QueueSignal) => void): () => void;
  /** Releases the bus's connections. */
  close(): Promise<void>;
}

/** The bus for a single daemon: an EventEmitter keyed by queue name. */
export class LocalSignalBus implements SignalBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(signal: QueueSignal): void {
    this.emitter.emit(signal.queue, signal);
  }

  subscribe(queue: string, listener: (signal: QueueSignal) => void): () => void {
    this.emitter.on(queue, listener);
    return () => this.emitter.off(queue, listener);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}
