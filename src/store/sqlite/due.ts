/**
 * Due work of the SQLite store, run inside the caller's transaction: delayed messages whose
 * time came become ready, expired leases make their message ready again in its place by
 * key, or move it to the dead-letter queue when it used its last attempt (dead-letters.ts).
 */
import { SettleListeners } from '../settle-events.js';
import type { DeadLetterMoves } from './dead-letters.js';
import type { Statements } from './statements.js';

/** Most due rows one operation settles; the maintenance pass takes the rest. */
export const SETTLE_LIMIT = 1000;

/** Settles due rows; runs inside an open transaction. */
export class DueWork {
  constructor(
    private readonly sql: Statements,
    private readonly letters: DeadLetterMoves,
    /** Told what settling did on its own: expiries and lease-expiry dead letters (see Store.onSettled). */
    readonly settled: SettleListeners = new SettleListeners(),
  ) {}

  /** Settles up to `limit` due rows of `queue`. */
  settle(queue: string, now: number, limit = SETTLE_LIMIT): void {
    if (this.sql.anyDue.get(queue, now) === undefined) return; // the common case, at a fraction of the read below
    const rows = this.sql.due.all(queue, now, limit);
    if (rows.length === 0) return;
    const q = this.sql.queueRow.get(queue);
    const maxAttempts = q?.max_attempts ?? 0;
    let dead = 0;
    for (const row of rows) {
      if (row.receipt !== null && maxAttempts > 0 && row.attempts >= maxAttempts) {
        if (this.letters.deadLetter(queue, row.seq, q?.dead_letter ?? null, now) !== null) dead++;
      } else {
        this.sql.makeReady.run(queue, row.seq);
      }
    }
    this.settled.report('lease_dead_lettered', queue, dead);
  }
}
