/**
 * The SQLite side of streaming: the broadcast history table and the atomic moves between
 * it and the queue. Each method is one group-commit operation, so a take-for-broadcast is
 * a single transaction: the message leaves `messages` and enters `stream_history` together.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { HistoryRetention, StoredMessage } from '../../core/types.js';
import type { StreamStore } from '../contract.js';
import type { DueWork } from './due.js';
import type { GroupCommitter } from './group-commit.js';
import type { MessageGroups } from './groups.js';
import { historyMessage } from './rows.js';
import type { HistoryRow, TakenRow } from './rows.js';

/** The streaming role of the SQLite store. */
export class SqliteStreams implements StreamStore {
  private readonly take: Statement<[string, string, number, number, number], TakenRow>;
  private readonly record: Statement<[string, number, string, number, number | null, number]>;
  private readonly trimAge: Statement<[string, number]>;
  private readonly trimCount: Statement<[string, string, number]>;
  private readonly read: Statement<[string, number, number, number, string, number, number], HistoryRow>;
  private readonly reinsert: Statement<[string, number, string, number, number | null, number, string | null]>;
  private readonly takeSeq: Statement<[string, number], TakenRow>;
  /** A message put back is counted again (publishes count theirs when they reserve keys). */
  private readonly countBack: Statement<[string]>;
  private readonly forget: Statement<[string, number]>;

  constructor(
    db: Database,
    private readonly due: DueWork,
    private readonly commits: GroupCommitter,
    private readonly groups: MessageGroups,
  ) {
    // Ready messages only (visible_at = 0, through the partial index); due work is settled first.
    const deliverable = 'queue = ? AND visible_at = 0 AND (expires_at IS NULL OR expires_at > ?)';
    // The oldest deliverable messages while the bytes before each stay under the budget.
    this.take = db.prepare(
      `DELETE FROM messages WHERE queue = ? AND seq IN (
         SELECT seq FROM (
           SELECT seq, sum(length(CAST(value AS BLOB))) OVER (ORDER BY seq) - length(CAST(value AS BLOB)) AS before
           FROM messages INDEXED BY messages_ready WHERE ${deliverable} ORDER BY seq LIMIT ?)
         WHERE before < ?)
       RETURNING seq, value, created_at, expires_at, reads`,
    );
    this.record = db.prepare(
      'INSERT OR REPLACE INTO stream_history (queue, seq, value, created_at, expires_at, streamed_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.trimAge = db.prepare('DELETE FROM stream_history WHERE queue = ? AND streamed_at <= ?');
    // Keeps the newest N: everything below the N-th newest seq goes.
    this.trimCount = db.prepare(
      `DELETE FROM stream_history WHERE queue = ? AND seq <
         (SELECT seq FROM stream_history WHERE queue = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    );
    // Entries above afterSeq among the newest N, streamed recently enough and not expired, oldest first.
    this.read = db.prepare(
      `SELECT seq, value, created_at, expires_at FROM stream_history
       WHERE queue = ? AND seq > ? AND streamed_at > ? AND (expires_at IS NULL OR expires_at > ?) AND seq >= coalesce(
         (SELECT seq FROM stream_history WHERE queue = ? ORDER BY seq DESC LIMIT 1 OFFSET ?), 0)
       ORDER BY seq LIMIT ?`,
    );
    this.reinsert = db.prepare(
      'INSERT OR IGNORE INTO messages (queue, seq, value, created_at, expires_at, reads, grp) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.takeSeq = db.prepare('DELETE FROM messages WHERE queue = ? AND seq = ? RETURNING seq, value, created_at, expires_at, reads');
    this.countBack = db.prepare('UPDATE queues SET stored = stored + 1 WHERE name = ?');
    this.forget = db.prepare('DELETE FROM stream_history WHERE queue = ? AND seq = ?');
  }

  takeForBroadcast(
    queue: string,
    limit: number,
    maxBytes: number,
    now: number,
    retention: HistoryRetention,
  ): Promise<StoredMessage[]> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      const rows = this.groups.has(queue) ? this.takeFree(queue, limit, maxBytes, now) : this.take.all(queue, queue, now, limit, maxBytes).sort((a, b) => a.seq - b.seq);
      for (const r of rows) this.record.run(queue, r.seq, r.value, r.created_at, r.expires_at, now);
      if (rows.length > 0) {
        this.trimAge.run(queue, now - retention.maxAgeMs);
        this.trimCount.run(queue, queue, Math.max(0, retention.maxMessages - 1));
      }
      return rows.map((r) => historyMessage(queue, r, r.reads));
    });
  }

  /** The grouped take: the free messages (groups.ts), while the bytes before each stay under `maxBytes`. */
  private takeFree(queue: string, limit: number, maxBytes: number, now: number): TakenRow[] {
    const rows: TakenRow[] = [];
    let before = 0;
    for (const seq of this.groups.free(queue, now, limit)) {
      if (before >= maxBytes) break;
      before += this.groups.bytesOf(queue, seq);
      const row = this.takeSeq.get(queue, seq);
      if (row !== undefined) rows.push(row);
    }
    return rows;
  }

  readHistory(
    queue: string,
    afterSeq: number,
    limit: number,
    now: number,
    retention: HistoryRetention,
  ): Promise<StoredMessage[]> {
    return this.commits.submitFor(queue, () =>
      this.read
        .all(queue, afterSeq, now - retention.maxAgeMs, now, queue, Math.max(0, retention.maxMessages - 1), limit)
        .map((r) => historyMessage(queue, r, 0)),
    );
  }

  restore(queue: string, messages: readonly StoredMessage[]): Promise<void> {
    return this.commits.submitFor(queue, () => {
      for (const m of messages) {
        if (this.reinsert.run(queue, m.seq, m.value, m.createdAt, m.expiresAt, m.reads, this.groups.columnFor(queue, m.value)).changes > 0) this.countBack.run(queue);
        this.forget.run(queue, m.seq);
      }
    });
  }

}
