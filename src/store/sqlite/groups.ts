/**
 * Message groups in the SQLite store (the rules are in store/contract.ts): which ready
 * messages of a queue may be handed out when some of them belong to groups. A message's
 * group lives in its stored value; the `grp` column copies it at insert so that the held
 * members of a group are found without reading values.
 *
 * Queues that have ever held a grouped message are remembered in memory (this daemon owns
 * the file), so queues without groups keep their one-statement take and lease.
 */
import type { Database, Statement } from 'better-sqlite3';
import { groupOfStoredValue } from '../../core/stored-value.js';
import { GROUP_LOOKAHEAD } from '../contract.js';
import { fittingCount } from '../byte-budget.js';

/** Group bookkeeping and the grouped selection of ready messages. */
export class MessageGroups {
  private readonly grouped = new Set<string>();
  private readonly held: Statement<[string, number], { seq: number; grp: string; receipt: string | null }>;
  private readonly ready: Statement<[string, number, number], { seq: number; grp: string | null }>;
  private readonly size: Statement<[string, number], { bytes: number }>;

  constructor(db: Database) {
    for (const { queue } of db.prepare('SELECT DISTINCT queue FROM messages INDEXED BY messages_grouped WHERE grp IS NOT NULL').all() as { queue: string }[]) {
      this.grouped.add(queue);
    }
    // Live delayed and leased members of groups: O(held messages of the queue). An expired
    // member will never be delivered, so it holds nobody up.
    this.held = db.prepare(
      `SELECT seq, grp, receipt FROM messages INDEXED BY messages_due
       WHERE queue = ? AND visible_at > 0 AND grp IS NOT NULL AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.ready = db.prepare(
      `SELECT seq, grp FROM messages INDEXED BY messages_ready
       WHERE queue = ? AND visible_at = 0 AND (expires_at IS NULL OR expires_at > ?) ORDER BY seq LIMIT ?`,
    );
    this.size = db.prepare('SELECT length(CAST(value AS BLOB)) AS bytes FROM messages WHERE queue = ? AND seq = ?');
  }

  /** The `grp` column of a stored value, noting its queue as grouped. */
  columnFor(queue: string, value: string): string | null {
    const group = groupOfStoredValue(value);
    if (group !== null) this.grouped.add(queue);
    return group;
  }

  /** True when `queue` may hold grouped messages, so takes must go through {@link free}. */
  has(queue: string): boolean {
    return this.grouped.has(queue);
  }

  /**
   * Up to `limit` of the oldest ready messages of `queue` that may be handed out now, in key
   * order: ungrouped ones, and those of groups with no member leased and none delayed below
   * them. Looks at most GROUP_LOOKAHEAD ready messages; `maxBytes` bounds the values as
   * `fittingCount` does. Runs inside the caller's transaction, after due work was settled.
   */
  free(queue: string, now: number, limit: number, maxBytes?: number): number[] {
    // Members at or above busyFrom.get(g) wait: 0 when a member is leased, else the lowest delayed key.
    const busyFrom = new Map<string, number>();
    for (const h of this.held.all(queue, now)) {
      const from = h.receipt !== null ? 0 : h.seq;
      const known = busyFrom.get(h.grp);
      if (known === undefined || from < known) busyFrom.set(h.grp, from);
    }
    const picked: number[] = [];
    // Collected before anything changes: the connection cannot run other statements while a cursor is open.
    for (const r of this.ready.iterate(queue, now, GROUP_LOOKAHEAD)) {
      if (r.grp !== null) {
        const from = busyFrom.get(r.grp);
        if (from !== undefined && r.seq >= from) continue;
      }
      picked.push(r.seq);
      if (picked.length >= limit) break;
    }
    if (maxBytes === undefined || picked.length < 2) return picked;
    return picked.slice(0, fittingCount(picked.map((seq) => this.bytesOf(queue, seq)), maxBytes));
  }

  /** The UTF-8 size of one message's stored value (0 when it is gone). */
  bytesOf(queue: string, seq: number): number {
    return this.size.get(queue, seq)?.bytes ?? 0;
  }
}
