/**
 * Purge and drop in slices. One `DELETE` of a 60,000-message queue held the event loop (and
 * so every other request) for 0.2 s on a fresh database and far longer on a long-used one;
 * here each slice deletes as many rows as fit in about {@link SLICE_TARGET_MS}, and other
 * work runs between slices. The queue is held meanwhile (GroupCommitter.exclusive), so its
 * own clients see it purged at once. The first slice records the sweep in `sweeps` with
 * the highest key it removes and forgets the queue's broadcast history, in one
 * transaction; a crash mid-way finishes the sweep at the next start, so purged messages
 * never reappear. Messages that arrive during the sweep (moves from other
 * queues: dead letters, redrives) are numbered above that key and survive it.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../core/clock.js';
import type { BackgroundFailures } from '../background-failures.js';
import type { GroupCommitter } from './group-commit.js';

/** How long one slice (its deletes and its commit) should take, ms: the goal is under 50 ms. */
export const SLICE_TARGET_MS = 12;
const FIRST_SLICE = 200;
const MIN_SLICE = 20;
const MAX_SLICE = 20_000;

interface Sweep {
  readonly queue: string;
  readonly through: number;
  readonly dropping: boolean;
}

interface SliceResult {
  readonly deleted: number;
  readonly done: boolean;
}

/** Runs purges and drops of the SQLite store in slices. */
export class QueueSweeper {
  /** Rows per slice, adapted after each slice to what the disk and database allow. */
  private slice = FIRST_SLICE;
  private readonly lastSeq: Statement<[string], { last_seq: number }>;
  private readonly maxSeq: Statement<[string], { n: number; top: number | null }>;
  private readonly mark: Statement<[string, number, number]>;
  private readonly unmark: Statement<[string]>;
  private readonly pending: Statement<[], { queue: string; through: number; dropping: number }>;
  private readonly deleteMessages: Statement<[string, string, number, number]>;
  private readonly deleteDedup: Statement<[string, string, number]>;
  private readonly dropQueue: Statement<[string]>;
  private readonly clearHistory: Statement<[string]>;
  private readonly recreate: Statement<[string, number, number, number]>;

  constructor(
    db: Database,
    private readonly commits: GroupCommitter,
    /** Stamps a queue recreated after a drop (see finish). */
    private readonly clock: Clock,
    /** Where a sweep resumed in the background reports a failure. */
    private readonly failures: BackgroundFailures,
  ) {
    this.lastSeq = db.prepare('SELECT last_seq FROM queues WHERE name = ?');
    this.maxSeq = db.prepare('SELECT count(*) AS n, max(seq) AS top FROM messages WHERE queue = ?');
    this.clearHistory = db.prepare('DELETE FROM stream_history WHERE queue = ?');
    this.mark = db.prepare('INSERT OR REPLACE INTO sweeps (queue, through, dropping) VALUES (?, ?, ?)');
    this.unmark = db.prepare('DELETE FROM sweeps WHERE queue = ?');
    this.pending = db.prepare('SELECT queue, through, dropping FROM sweeps ORDER BY queue');
    this.deleteMessages = db.prepare(
      'DELETE FROM messages WHERE queue = ? AND seq IN (SELECT seq FROM messages WHERE queue = ? AND seq <= ? ORDER BY seq LIMIT ?)',
    );
    this.deleteDedup = db.prepare('DELETE FROM dedup WHERE queue = ? AND id IN (SELECT id FROM dedup WHERE queue = ? LIMIT ?)');
    this.dropQueue = db.prepare('DELETE FROM queues WHERE name = ?');
    this.recreate = db.prepare('INSERT INTO queues (name, created_at, last_seq, stored) VALUES (?, ?, ?, ?)');
  }

  /** Deletes every message of `queue` (numbering and dedup memory kept); answers how many. */
  purge(queue: string): Promise<number> {
    return this.commits.exclusive(queue, () => this.start(queue, false));
  }

  /** Deletes the queue: messages, settings, numbering, dedup memory; answers how many messages. */
  drop(queue: string): Promise<number> {
    return this.commits.exclusive(queue, () => this.start(queue, true));
  }

  /** Finishes, in the background, the sweeps a stop or crash interrupted; their queues wait. */
  resume(): void {
    const sweeps = this.pending.all().map((r) => ({ queue: r.queue, through: r.through, dropping: r.dropping === 1 }));
    for (const sweep of sweeps) {
      // A failure leaves the record: the next start tries again, and requests report the store.
      this.commits.exclusive(sweep.queue, () => this.run(sweep, 0)).catch(this.failures.handler('resumed purge'));
    }
  }

  private async start(queue: string, dropping: boolean): Promise<number> {
    let sweep: Sweep | undefined;
    const first = await this.timed(() => {
      const through = this.lastSeq.get(queue)?.last_seq ?? this.maxSeq.get(queue)?.top ?? 0;
      sweep = { queue, through, dropping };
      this.mark.run(queue, through, dropping ? 1 : 0);
      this.clearHistory.run(queue); // in the same transaction as the first slice
      return this.step(sweep);
    });
    if (first.done) return first.deleted;
    return this.run(sweep as Sweep, first.deleted);
  }

  private async run(sweep: Sweep, already: number): Promise<number> {
    let total = already;
    for (;;) {
      const result = await this.timed(() => this.step(sweep));
      total += result.deleted;
      if (result.done) return total;
    }
  }

  /** One slice, inside a group commit; the last one removes the record (and, for a drop, the queue). */
  private step(sweep: Sweep): SliceResult {
    const deleted = this.deleteMessages.run(sweep.queue, sweep.queue, sweep.through, this.slice).changes;
    let done = deleted < this.slice;
    if (done && sweep.dropping) done = this.deleteDedup.run(sweep.queue, sweep.queue, this.slice - deleted).changes < this.slice - deleted;
    if (done) this.finish(sweep);
    return { deleted, done };
  }

  private finish(sweep: Sweep): void {
    this.unmark.run(sweep.queue);
    if (!sweep.dropping) return;
    const created = this.lastSeq.get(sweep.queue) !== undefined;
    this.dropQueue.run(sweep.queue);
    // Moves into the queue during the sweep (numbered above `through`) stay, under default settings.
    const left = this.maxSeq.get(sweep.queue);
    if (created && left !== undefined && left.n > 0) this.recreate.run(sweep.queue, this.clock.now(), left.top ?? 0, left.n);
  }

  /** Submits one slice and sizes the next from how long this one took, commit included. */
  private async timed(slice: () => SliceResult): Promise<SliceResult> {
    let began = 0;
    const result = await this.commits.submit(() => {
      began = performance.now();
      return slice();
    });
    const ms = performance.now() - began;
    const factor = ms <= 0 ? 1.5 : Math.min(1.5, Math.max(0.25, SLICE_TARGET_MS / ms));
    this.slice = Math.round(Math.min(MAX_SLICE, Math.max(MIN_SLICE, this.slice * factor)));
    return result;
  }
}
