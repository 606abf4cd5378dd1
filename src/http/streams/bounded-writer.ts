/**
 * A connection's bounded send buffer. What counts is what the socket still holds in user
 * space (bytes the kernel has not accepted yet), read from the socket itself, so a fast
 * peer is never "full" for long and a peer that stops reading fills up at once. Past the
 * limit the connection is full: the dispatcher skips it (roundrobin) or drops it
 * (broadcast), so one slow peer never grows memory without bound nor delays the others.
 */

/** Writes a chunk and calls `done` once the socket accepted it (or failed). */
export type RawWrite = (chunk: string, done: () => void) => void;

/** Counts unsent bytes of one connection against a limit. */
export class BoundedWriter {
  /** Someone saw the buffer full and waits to hear it drained. */
  private starved = false;

  constructor(
    private readonly limit: number,
    /** Bytes handed to the connection and not yet accepted by the kernel. */
    private readonly buffered: () => number,
    private readonly raw: RawWrite,
    /** Called when the buffer falls back below the limit after being seen full. */
    private readonly onDrained: () => void,
  ) {}

  /** True while fewer than `limit` bytes wait to be written. */
  hasRoom(): boolean {
    if (this.buffered() < this.limit) return true;
    this.starved = true;
    return false;
  }

  /** Bytes handed over and not yet written out. */
  get pendingBytes(): number {
    return this.buffered();
  }

  /** Writes `chunk`; each completed write checks whether a starved buffer drained. */
  send(chunk: string): void {
    this.raw(chunk, () => {
      if (this.starved && this.buffered() < this.limit) {
        this.starved = false;
        this.onDrained();
      }
    });
  }
}
