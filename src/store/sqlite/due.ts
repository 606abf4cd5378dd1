/**
 * Due work of the SQLite store, run inside the caller's transaction: delayed messages whose
 * time came become ready, expired leases make their message ready again in its place by
 * key, or move it to the dead-letter queue when it used its last attempt.
 */
import { formatKey } from '../../core/names.js';
import { deadLetterQueueOf } from '../../core/types.js';
import { SettleListeners } from '../settle-events.js';
import type { Statements } from './statements.js';

/** Most due rows one operation settles; the maintenance pass takes the rest. */
export const SETTLE_LIMIT = 1000;

/** Synchronous helpers over the statements; every method runs inside an open transaction. */
export class DueWork {
  constructor(
    private readonly sql: Statements,
    /** Told the dead-letter queue of each move (see Store.onMoved). */
    private readonly moved: (queue: string) => void,
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
        if (this.deadLetter(queue, row.seq, q?.dead_letter ?? null, now) !== null) dead++;
      } else {
        this.sql.makeReady.run(queue, row.seq);
      }
    }
    this.settled.report('lease_dead_lettered', queue, dead);
  }

  /** True when the message has used the queue's last attempt. */
  exhausted(queue: string, attempts: number): { dlq: string | null } | null {
    const q = this.sql.queueRow.get(queue);
    const maxAttempts = q?.max_attempts ?? 0;
    return maxAttempts > 0 && attempts >= maxAttempts ? { dlq: q?.dead_letter ?? null } : null;
  }

  /**
   * Moves one message to the end of its dead-letter queue, keeping its value and recording
   * its source key and attempts; answers the dead-letter queue and new key.
   */
  deadLetter(queue: string, seq: number, configured: string | null, now: number): { queue: string; key: string } | null {
    const row = this.sql.row.get(queue, seq);
    if (row === undefined) return null;
    const dlq = deadLetterQueueOf(queue, { deadLetter: configured });
    this.sql.remove.run(queue, seq);
    const to = this.appendOne(dlq, row.value, now, formatKey(queue, seq), row.attempts);
    this.moved(dlq);
    return { queue: dlq, key: formatKey(dlq, to) };
  }

  /** Appends one ready message at the end of `queue` (creating it); answers its sequence number. */
  appendOne(queue: string, value: string, now: number, deadSource: string | null, deadAttempts: number | null): number {
    const seq = (this.sql.claimSeqs.get(queue, now, 1, 1) as { last_seq: number }).last_seq;
    this.sql.insert.run(queue, seq, value, now, null, 0, deadSource, deadAttempts);
    return seq;
  }
}
