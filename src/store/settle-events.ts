/**
 * What a store did to messages on its own, outside any caller's result: messages it
 * dropped because their ttl passed, and messages whose last lease expired that it moved to
 * their dead-letter queue. Nobody asked for these, so without a listener they would never
 * be counted (the Broker passes them to the metrics sink).
 */

/** One kind of thing a store did on its own, `count` times, in `queue`. */
export interface SettleEvent {
  /** `expired`: dropped because their ttl passed. `lease_dead_lettered`: their last lease expired and they moved to the dead-letter queue. */
  readonly kind: 'expired' | 'lease_dead_lettered';
  /** The queue the messages left. */
  readonly queue: string;
  readonly count: number;
}

/** The listeners of one store; cheap to call from inside a transaction, never throws. */
export class SettleListeners {
  private readonly listeners = new Set<(event: SettleEvent) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: (event: SettleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reports `count` events of `kind` in `queue` (nothing when count is 0). */
  report(kind: SettleEvent['kind'], queue: string, count: number): void {
    if (count <= 0) return;
    for (const listener of this.listeners) {
      try {
        listener({ kind, queue, count });
      } catch {
        // a listener counts; its failure must not break the store's transaction
      }
    }
  }
}
