/**
 * A connection's bounded send buffer. Every byte handed to the socket counts as pending
 * until the socket reports it written to the kernel; past the limit the connection is
 * "full": the dispatcher skips it (roundrobin) or drops it (broadcast), so one slow peer
 * never grows memory without bound nor delays the others.
 */

/** Writes a chunk and calls `done` once the socket accepted it (or failed). */
export type RawWrite = (chunk: string, done: () => void) => void;

/** Counts unsent bytes of one connection against a limit. */
export class BoundedWriter {
  private pending = 0;

  constructor(
    private readonly limit: number,
    private readonly raw: RawWrite,
    /** Called when the buffer falls back below the limit after being full. */
    private readonly onDrained: () => void,
  ) {}

  /** True while fewer than `limit` bytes wait to be written. */
  hasRoom(): boolean {
    return this.pending < this.limit;
  }

  /** Bytes handed over and not yet written out. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Writes `chunk`, counting it until the socket takes it. */
  send(chunk: string): void {
    const bytes = Buffer.byteLength(chunk, 'utf8');
    this.pending += bytes;
    this.raw(chunk, () => {
      const wasFull = this.pending >= this.limit;
      this.pending -= bytes;
      if (wasFull && this.pending < this.limit) this.onDrained();
    });
  }
}
