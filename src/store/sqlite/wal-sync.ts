/**
 * The fsync of `--sync full`, off the event loop. SQLite commits with `synchronous=NORMAL`
 * (WAL frames written, not synced), and the group committer answers a batch only after an
 * `fdatasync` of the `-wal` file, run on libuv's thread pool, has covered its commit. While
 * the disk syncs, the event loop parses and commits the next batch instead of waiting in
 * `sqliteTransaction` (which with `synchronous=FULL` held it for the whole fsync), and the
 * batches that queue up meanwhile share the next fsync.
 *
 * Why it keeps the guarantee: the WAL is one file written front to back (and from the
 * front again after a checkpoint reset, on the same inode); an fdatasync of any descriptor
 * of it flushes every write made before the call, so a batch is durable once an fdatasync
 * that started after its commit has finished. Checkpoints stay SQLite's: under
 * `synchronous=NORMAL` it syncs the WAL before a checkpoint and the database after one.
 * Nothing is answered from a commit that no finished fdatasync covers (reads included:
 * they may have seen that commit).
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/** Callback of {@link WalSync.after}: null once durable, or the fdatasync error. */
export type Synced = (err: Error | null) => void;

/** Runs at most one fdatasync of the WAL at a time; callers that arrive meanwhile share the next. */
export class WalSync {
  private readonly fd: number;
  private inFlight = false;
  /** Waiting for an fdatasync that has not started yet. */
  private waiting: Synced[] = [];
  /** Waiting for the fdatasync in flight. */
  private covered: Synced[] = [];
  private closed = false;

  /**
   * Opens the WAL file at `path` (it must exist: the database was written once in WAL mode).
   * `sync` is node's `fs.fdatasync` except in tests, which hold it to see who waits.
   */
  constructor(
    path: string,
    private readonly sync: (fd: number, done: (err: Error | null) => void) => void = fdatasync,
  ) {
    this.fd = openSync(path, 'r+');
  }

  /** Calls `done` once every write made before this call is on disk. */
  after(done: Synced): void {
    if (this.closed) {
      done(new Error('store is closed'));
      return;
    }
    this.waiting.push(done);
    if (!this.inFlight) this.start();
  }

  private start(): void {
    this.covered = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    this.sync(this.fd, (err) => {
      this.inFlight = false;
      if (this.closed) {
        closeSync(this.fd); // close() synced and answered everyone; the descriptor was left for us
        return;
      }
      const done = this.covered;
      this.covered = [];
      for (const d of done) d(err);
      if (this.waiting.length > 0) this.start();
    });
  }

  /** Syncs now, synchronously, answers everyone still waiting, and refuses further calls. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let failure: Error | null = null;
    try {
      fdatasyncSync(this.fd);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    const done = [...this.covered, ...this.waiting];
    this.covered = [];
    this.waiting = [];
    for (const d of done) d(failure);
    if (!this.inFlight) closeSync(this.fd);
  }
}
