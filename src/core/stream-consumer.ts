/**
 * A streaming consumer as the Dispatcher sees it: the sink a transport implements (a
 * connection with a bounded send buffer), and the catch-up state of a consumer that is
 * replaying history or waiting for room before it goes live.
 */
import { at } from './checked.js';
import type { RestMQError } from './errors.js';
import type { StoredMessage } from './types.js';

/** The consumer end a transport implements: a connection with a bounded send buffer. */
export interface StreamSink {
  /** True while the send buffer has room for one more message. */
  hasRoom(): boolean;
  /**
   * Writes one message to the connection. The dispatcher asks `hasRoom()` before each
   * round-robin message and before each broadcast batch, so a connection goes past its
   * limit by at most one batch.
   */
  write(message: StoredMessage): void;
  /** Ends the connection, telling the client why. Called once. */
  end(reason: RestMQError): void;
}

/** A consumer's handle on its subscription. */
export interface Subscription {
  /** The transport calls this when its send buffer drained below the limit. */
  drained(): void;
  /** The transport calls this when the connection went away (idempotent). */
  cancel(): void;
}

/** Where a resuming consumer starts: after this sequence number of its queue. */
export interface ResumeFrom {
  readonly afterSeq: number;
}

/** One streaming consumer as the Dispatcher tracks it: its sink plus catch-up state. */
export class Consumer {
  /**
   * Messages waiting for room while a resuming consumer catches up (its history, then the
   * broadcasts that arrived meanwhile); null once it is live.
   */
  held: StoredMessage[] | null;
  /** True until its history has been read. */
  awaitingHistory: boolean;
  /** A resuming consumer had every message up to this sequence number (its Last-Event-ID). */
  resumeAfter = 0;
  /**
   * Sequence numbers written while catching up (history, then live messages held meanwhile),
   * so that live messages the history already gave are not written twice; null for a
   * consumer that never resumed. Order by key is not assumed: a message back from a lease
   * or a delay is streamed after higher keys and must still reach every live consumer.
   */
  private seen: Set<number> | null;
  closed = false;

  constructor(
    readonly sink: StreamSink,
    resuming: boolean,
  ) {
    this.held = resuming ? [] : null;
    this.awaitingHistory = resuming;
    this.seen = resuming ? new Set() : null;
  }

  /** Ready for round-robin: live and with room. */
  ready(): boolean {
    return !this.closed && this.held === null && this.sink.hasRoom();
  }

  /** Writes one message unless this consumer already has it. */
  write(message: StoredMessage): void {
    if (this.seen !== null) {
      if (this.seen.has(message.seq)) return;
      if (this.held !== null) {
        if (message.seq <= this.resumeAfter) return;
        this.seen.add(message.seq);
      }
    }
    this.sink.write(message);
  }

  /** Writes held messages while there is room; true once nothing is held (live again). */
  flush(): boolean {
    const held = this.held;
    if (held === null) return true;
    if (this.awaitingHistory) return false;
    let i = 0;
    while (i < held.length && !this.closed && this.sink.hasRoom()) this.write(at(held, i++));
    held.splice(0, i);
    if (held.length > 0) return false;
    this.held = null;
    return true;
  }
}
