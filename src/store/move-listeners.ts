/**
 * Listeners for messages a store moved into a queue on its own (a last lease that expired
 * goes to the dead-letter queue while the store settles due work). No caller sees such a
 * move in a result, so without this nobody would wake the receivers of the target queue.
 */

/** The listeners of one store; a store calls {@link MoveListeners.moved} after each move. */
export class MoveListeners {
  private readonly listeners = new Set<(queue: string) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: (queue: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tells every listener that `queue` received a message. Deferred to a microtask: a store
   * may report from inside a transaction, and a listener's work must not join or break it.
   */
  moved(queue: string): void {
    if (this.listeners.size === 0) return;
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(queue);
    });
  }
}
