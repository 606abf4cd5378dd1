/**
 * Group commit: every store operation requested in one event-loop turn runs inside one
 * SQLite transaction, and all their promises settle after that single commit (one fsync
 * under synchronous=FULL). This is what lets a durable publish cost little more than a
 * hello-world request when many clients publish at once.
 */
import { at } from '../../core/checked.js';
import type { Database } from 'better-sqlite3';

interface PendingOp {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Batches synchronous database work per event-loop turn. */
export class GroupCommitter {
  private pending: PendingOp[] = [];
  private scheduled = false;
  private closed = false;
  /** Queues held by a sliced purge or drop, each with what waits for it, in call order. */
  private readonly held = new Map<string, (() => void)[]>();

  constructor(
    private readonly db: Database,
    /** Called once per failed batch; the store turns driver errors into catalog errors. */
    private readonly mapError: (err: unknown) => Error,
  ) {}

  /**
   * Queues `run` for the next commit. `run` must not throw after it has written: a throw
   * rolls back the whole batch (every op in it is rejected), which is right for driver
   * failures (disk full, I/O error) and wrong for domain checks, so callers validate first.
   */
  submit<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(this.mapError(new Error('store is closed')));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /**
   * {@link submit} for work on one queue: while a sliced purge or drop holds `queue`, the
   * work waits and runs after it, so no client sees a queue half purged.
   */
  submitFor<T>(queue: string, run: () => T): Promise<T> {
    const waiting = this.held.get(queue);
    if (waiting === undefined) return this.submit(run);
    return new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        this.submit(run).then(resolve, reject);
      });
    });
  }

  /**
   * Runs `task` alone on `queue`: work submitted for the queue after this call waits until
   * the task ends (work on other queues goes on between the task's own submits).
   */
  exclusive<T>(queue: string, task: () => Promise<T>): Promise<T> {
    const start = (): Promise<T> => {
      this.held.set(queue, []);
      return task().finally(() => this.release(queue));
    };
    const waiting = this.held.get(queue);
    if (waiting === undefined) return start();
    return new Promise<T>((resolve, reject) => {
      waiting.push(() => {
        start().then(resolve, reject);
      });
    });
  }

  /** True while a task of {@link exclusive} holds `queue`. */
  isHeld(queue: string): boolean {
    return this.held.has(queue);
  }

  private release(queue: string): void {
    const waiting = this.held.get(queue) ?? [];
    this.held.delete(queue);
    while (waiting.length > 0) {
      (waiting.shift() as () => void)();
      const next = this.held.get(queue);
      if (next !== undefined) {
        next.push(...waiting); // another exclusive task took the queue: the rest wait for it
        return;
      }
    }
  }

  /** Runs whatever is pending now, synchronously (used at close). */
  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const results: unknown[] = new Array(batch.length);
    try {
      this.db.transaction(() => {
        for (let i = 0; i < batch.length; i++) results[i] = at(batch, i).run();
      }).immediate();
    } catch (err) {
      const mapped = this.mapError(err);
      for (const op of batch) op.reject(mapped);
      return;
    }
    for (let i = 0; i < batch.length; i++) at(batch, i).resolve(results[i]);
  };

  /** Flushes what is pending and refuses further work. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
