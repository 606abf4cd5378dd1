/**
 * Every prepared statement of the SQLite store, compiled once per database (the row shapes
 * they return are in rows.ts). Ready messages (visible_at = 0) are read through the partial index
 * `messages_ready`, due ones (delays and leases) through `messages_due`.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { MessageRow, QueueRow } from './rows.js';

/** What a publish reads of its queue's row. */
export type PublishRow = Pick<QueueRow, 'dedup_window_s' | 'max_length' | 'ttl_s' | 'delay_s' | 'stored'>;

/** Columns that `updateSettings` may set, by settings field. */
export const SETTING_COLUMNS = {
  policy: 'policy',
  status: 'status',
  leaseSeconds: 'lease_s',
  maxAttempts: 'max_attempts',
  deadLetter: 'dead_letter',
  delaySeconds: 'delay_s',
  ttlSeconds: 'ttl_s',
  maxLength: 'max_length',
  dedupWindowSeconds: 'dedup_window_s',
  extra: 'extra',
} as const;

/** A settings field the store keeps in a column. */
export type SettingField = keyof typeof SETTING_COLUMNS;

const COLS = 'seq, value, created_at, expires_at, reads, attempts, visible_at, receipt, dead_source, dead_attempts, first_leased_at';
const READY = 'FROM messages INDEXED BY messages_ready WHERE queue = ? AND visible_at = 0 AND (expires_at IS NULL OR expires_at > ?)';

/** Every prepared statement, compiled once. */
export class Statements {
  readonly ensureQueue: Statement<[string, number]>;
  /**
   * Creates the queue on first use, reserves `n` key numbers and counts the `n` messages
   * about to be inserted under them (messages.stored), in one statement: every insert of a
   * new message goes through it.
   */
  readonly claimSeqs: Statement<[string, number, number, number], { last_seq: number }>;
  readonly insert: Statement<[string, number, string, number, number | null, number, string | null, number | null, string | null]>;
  readonly takeOne: Statement<[string, string, number], MessageRow>;
  /** Deletes one message by key and answers it (grouped takes pick their keys first). */
  readonly takeSeq: Statement<[string, number], MessageRow>;
  readonly takeMany: Statement<[string, string, number, number], MessageRow>;
  readonly readyHead: Statement<[string, number, number], { seq: number }>;
  /** The ready head with each value's UTF-8 size, for answers under a byte budget. */
  readonly readySizes: Statement<[string, number, number], { seq: number; bytes: number }>;
  readonly oldestReady: Statement<[string, number], MessageRow>;
  readonly countRead: Statement<[string, number]>;
  readonly latest: Statement<[string, number], { seq: number }>;
  readonly row: Statement<[string, number], MessageRow>;
  readonly remove: Statement<[string, number]>;
  readonly peek: Statement<[string, number, number], MessageRow>;
  readonly due: Statement<[string, number, number], { seq: number; receipt: string | null; attempts: number }>;
  /** Whether `queue` has a due row at all: a cheap seek that spares most operations the full `due` read. */
  readonly anyDue: Statement<[string, number], { one: number }>;
  readonly dueQueues: Statement<[number, number], { queue: string }>;
  readonly nextDue: Statement<[string, number], { at: number | null }>;
  readonly makeReady: Statement<[string, number]>;
  /** Params: lease end, receipt, now (the first lease's time, kept once set), queue, seq. */
  readonly lease: Statement<[number, string, number, string, number], MessageRow>;
  readonly setVisible: Statement<[number, string, number]>;
  readonly deadHead: Statement<[string, number, number], { seq: number; value: string; dead_source: string }>;
  readonly dedupGet: Statement<[string, string, number], { seq: number }>;
  readonly dedupPut: Statement<[string, string, number, number]>;
  readonly dedupExpire: Statement<[number]>;
  readonly expireIn: Statement<[string, number]>;
  readonly queueRow: Statement<[string], QueueRow>;
  /** The columns a publish reads, and only those: cheaper than {@link queueRow} on every publish. */
  readonly publishRow: Statement<[string], PublishRow>;
  readonly setColumn: Record<SettingField, Statement<[string | number | null, string]>>;
  readonly list: Statement<[], { name: string }>;
  readonly oldestAny: Statement<[string, number], MessageRow>;
  /** Live messages of a queue by state (leased, delayed; the rest are ready) and how many are dead letters. */
  readonly length: Statement<[string, number], { n: number; leased: number; delayed: number; dead: number }>;
  readonly deleteExpired: Statement<[number]>;

  constructor(db: Database) {
    const live = '(expires_at IS NULL OR expires_at > ?)';
    this.ensureQueue = db.prepare('INSERT INTO queues (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.claimSeqs = db.prepare(
      `INSERT INTO queues (name, created_at, last_seq, stored) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET last_seq = last_seq + excluded.last_seq, stored = stored + excluded.last_seq
       RETURNING last_seq`,
    );
    this.insert = db.prepare(
      `INSERT INTO messages (queue, seq, value, created_at, expires_at, visible_at, dead_source, dead_attempts, grp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // One statement finds and deletes the head: a pop is a single index seek.
    this.takeSeq = db.prepare(`DELETE FROM messages WHERE queue = ? AND seq = ? RETURNING ${COLS}`);
    this.takeOne = db.prepare(`DELETE FROM messages WHERE queue = ? AND seq = (SELECT seq ${READY} ORDER BY seq LIMIT 1) RETURNING ${COLS}`);
    this.takeMany = db.prepare(`DELETE FROM messages WHERE queue = ? AND seq IN (SELECT seq ${READY} ORDER BY seq LIMIT ?) RETURNING ${COLS}`);
    this.readyHead = db.prepare(`SELECT seq ${READY} ORDER BY seq LIMIT ?`);
    this.readySizes = db.prepare(`SELECT seq, length(CAST(value AS BLOB)) AS bytes ${READY} ORDER BY seq LIMIT ?`);
    this.oldestReady = db.prepare(`SELECT ${COLS} ${READY} ORDER BY seq LIMIT 1`);
    this.countRead = db.prepare('UPDATE messages SET reads = reads + 1 WHERE queue = ? AND seq = ?');
    this.latest = db.prepare('SELECT seq FROM messages WHERE queue = ? ORDER BY seq DESC LIMIT ?');
    this.row = db.prepare(`SELECT ${COLS} FROM messages WHERE queue = ? AND seq = ?`);
    this.remove = db.prepare('DELETE FROM messages WHERE queue = ? AND seq = ?');
    this.peek = db.prepare(`SELECT ${COLS} FROM messages WHERE queue = ? AND ${live} ORDER BY seq LIMIT ?`);
    this.due = db.prepare(
      `SELECT seq, receipt, attempts FROM messages INDEXED BY messages_due
       WHERE queue = ? AND visible_at > 0 AND visible_at <= ? ORDER BY visible_at LIMIT ?`,
    );
    this.anyDue = db.prepare('SELECT 1 AS one FROM messages INDEXED BY messages_due WHERE queue = ? AND visible_at > 0 AND visible_at <= ? LIMIT 1');
    this.dueQueues = db.prepare(
      'SELECT queue FROM messages INDEXED BY messages_due_all WHERE visible_at > 0 AND visible_at <= ? LIMIT ?',
    );
    this.nextDue = db.prepare(
      'SELECT min(visible_at) AS at FROM messages INDEXED BY messages_due WHERE queue = ? AND visible_at > 0 AND visible_at > ?',
    );
    this.makeReady = db.prepare('UPDATE messages SET visible_at = 0, receipt = NULL WHERE queue = ? AND seq = ?');
    this.lease = db.prepare(
      `UPDATE messages SET visible_at = ?, receipt = ?, attempts = attempts + 1, first_leased_at = coalesce(first_leased_at, ?)
       WHERE queue = ? AND seq = ? RETURNING ${COLS}`,
    );
    this.setVisible = db.prepare('UPDATE messages SET visible_at = ? WHERE queue = ? AND seq = ?');
    this.deadHead = db.prepare(
      `SELECT seq, value, dead_source FROM messages INDEXED BY messages_ready
       WHERE queue = ? AND visible_at = 0 AND dead_source IS NOT NULL AND ${live} ORDER BY seq LIMIT ?`,
    );
    this.dedupGet = db.prepare('SELECT seq FROM dedup WHERE queue = ? AND id = ? AND expires_at > ?');
    this.dedupPut = db.prepare('INSERT OR REPLACE INTO dedup (queue, id, seq, expires_at) VALUES (?, ?, ?, ?)');
    this.dedupExpire = db.prepare('DELETE FROM dedup WHERE expires_at <= ?');
    this.expireIn = db.prepare('DELETE FROM messages WHERE queue = ? AND expires_at IS NOT NULL AND expires_at <= ?');
    this.queueRow = db.prepare('SELECT * FROM queues WHERE name = ?');
    this.publishRow = db.prepare('SELECT dedup_window_s, max_length, ttl_s, delay_s, stored FROM queues WHERE name = ?');
    const setColumn = {} as Record<SettingField, Statement<[string | number | null, string]>>;
    for (const [fieldName, column] of Object.entries(SETTING_COLUMNS) as [SettingField, string][]) {
      setColumn[fieldName] = db.prepare(`UPDATE queues SET ${column} = ? WHERE name = ?`);
    }
    this.setColumn = setColumn;
    // A queue whose drop is being swept is already gone for its clients.
    this.list = db.prepare('SELECT name FROM queues WHERE name NOT IN (SELECT queue FROM sweeps WHERE dropping = 1) ORDER BY name');
    this.oldestAny = db.prepare(`SELECT ${COLS} FROM messages WHERE queue = ? AND ${live} ORDER BY seq LIMIT 1`);
    this.length = db.prepare(
      `SELECT count(*) AS n, coalesce(sum(receipt IS NOT NULL), 0) AS leased,
         coalesce(sum(receipt IS NULL AND visible_at > 0), 0) AS delayed, coalesce(sum(dead_source IS NOT NULL), 0) AS dead
       FROM messages WHERE queue = ? AND ${live}`,
    );
    this.deleteExpired = db.prepare('DELETE FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }
}
