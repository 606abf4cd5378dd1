/**
 * The embedded store: one SQLite file in WAL mode, owned by one daemon (exclusive lock),
 * with every operation of an event-loop turn committed together (see group-commit.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { RestMQError } from '../../core/errors.js';
import { formatKey } from '../../core/names.js';
import type { NewMessage, Policy, QueueSettings, QueueStats, QueueStatus, StoredMessage } from '../../core/types.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import type { MessageStore, QueueStore, Store, StreamStore } from '../contract.js';
import { GroupCommitter } from './group-commit.js';
import { migrate } from './schema.js';
import { SqliteStreams } from './streams.js';

/** How the SQLite store is opened. */
export interface SqliteStoreOptions {
  /** Folder holding `restmq.db`; created when missing. */
  readonly dataDir: string;
  /** `full`: fsync at every commit (a 2xx survives power loss). `normal`: survives a process crash only. */
  readonly sync: 'full' | 'normal';
  /** How often expired messages are deleted and free pages reclaimed, ms. @default 5000 */
  readonly maintenanceIntervalMs?: number;
}

interface MessageRow {
  seq: number;
  value: string;
  created_at: number;
  expires_at: number | null;
  reads: number;
}

function toMessage(queue: string, row: MessageRow): StoredMessage {
  return {
    key: formatKey(queue, row.seq),
    seq: row.seq,
    value: row.value,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    reads: row.reads,
  };
}

function storeUnavailable(err: unknown): RestMQError {
  return new RestMQError('store_unavailable', `the SQLite store failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Opens the SQLite store, creating and migrating the database file as needed. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new BetterSqlite3(join(options.dataDir, 'restmq.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('journal_size_limit = 67108864');
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('busy_timeout = 0');
    migrate(db); // the first write takes the exclusive lock: a second daemon fails here
  } catch (err) {
    db.close();
    if (err instanceof Error && /locked|busy/i.test(err.message)) {
      throw new Error(`the data dir ${options.dataDir} is in use by another RestMQ process`, { cause: err });
    }
    throw err;
  }
  return new SqliteStore(db, options);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly messages: MessageStore;
  readonly queues: QueueStore;
  readonly streams: StreamStore;
  private readonly commits: GroupCommitter;
  private readonly maintenance: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly db: Database,
    options: SqliteStoreOptions,
  ) {
    this.commits = new GroupCommitter(db, storeUnavailable);
    const sql = new Statements(db);
    this.messages = new SqliteMessages(sql, this.commits);
    this.queues = new SqliteQueues(sql, this.commits);
    this.streams = new SqliteStreams(db, this.commits);
    this.maintenance = setInterval(() => {
      this.commits.submit(() => sql.deleteExpired.run(Date.now())).then(
        () => db.pragma('incremental_vacuum(256)'),
        () => undefined, // a failing store is reported by the requests and /readyz
      );
    }, options.maintenanceIntervalMs ?? 5000);
    this.maintenance.unref();
  }

  ping(): Promise<void> {
    if (this.closed) return Promise.reject(new RestMQError('store_unavailable', 'the SQLite store is closed'));
    return this.commits.submit(() => undefined);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.maintenance);
    this.commits.close();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    return Promise.resolve();
  }
}

/** Every prepared statement, compiled once. */
class Statements {
  readonly ensureQueue: Statement<[string, number]>;
  readonly bumpSeq: Statement<[number, string], { last_seq: number }>;
  readonly insert: Statement<[string, number, string, number, number | null]>;
  readonly takeOne: Statement<[string, string, number, number], MessageRow>;
  readonly takeMany: Statement<[string, string, number, number, number], MessageRow>;
  readonly oldest: Statement<[string, number, number], MessageRow>;
  readonly countRead: Statement<[string, number]>;
  readonly latest: Statement<[string, number], { seq: number }>;
  readonly remove: Statement<[string, number]>;
  readonly purge: Statement<[string]>;
  readonly settings: Statement<[string], { policy: Policy; status: QueueStatus }>;
  readonly setPolicy: Statement<[Policy, string]>;
  readonly setStatus: Statement<[QueueStatus, string]>;
  readonly list: Statement<[], { name: string }>;
  readonly queueRow: Statement<[string], { last_seq: number; policy: Policy; status: QueueStatus; created_at: number }>;
  readonly length: Statement<[string, number], { n: number }>;
  readonly deleteExpired: Statement<[number]>;

  constructor(db: Database) {
    const deliverable = 'queue = ? AND visible_at <= ? AND (expires_at IS NULL OR expires_at > ?)';
    const cols = 'seq, value, created_at, expires_at, reads';
    this.ensureQueue = db.prepare('INSERT INTO queues (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.bumpSeq = db.prepare('UPDATE queues SET last_seq = last_seq + ? WHERE name = ? RETURNING last_seq');
    this.insert = db.prepare('INSERT INTO messages (queue, seq, value, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
    // One statement finds and deletes the head: a pop is a single index seek.
    this.takeOne = db.prepare(
      `DELETE FROM messages WHERE queue = ? AND seq = (SELECT seq FROM messages WHERE ${deliverable} ORDER BY seq LIMIT 1)
       RETURNING ${cols}`,
    );
    this.takeMany = db.prepare(
      `DELETE FROM messages WHERE queue = ? AND seq IN (SELECT seq FROM messages WHERE ${deliverable} ORDER BY seq LIMIT ?)
       RETURNING ${cols}`,
    );
    this.oldest = db.prepare(`SELECT ${cols} FROM messages WHERE ${deliverable} ORDER BY seq LIMIT 1`);
    this.countRead = db.prepare('UPDATE messages SET reads = reads + 1 WHERE queue = ? AND seq = ?');
    this.latest = db.prepare('SELECT seq FROM messages WHERE queue = ? ORDER BY seq DESC LIMIT ?');
    this.remove = db.prepare('DELETE FROM messages WHERE queue = ? AND seq = ?');
    this.purge = db.prepare('DELETE FROM messages WHERE queue = ?');
    this.settings = db.prepare('SELECT policy, status FROM queues WHERE name = ?');
    this.setPolicy = db.prepare('UPDATE queues SET policy = ? WHERE name = ?');
    this.setStatus = db.prepare('UPDATE queues SET status = ? WHERE name = ?');
    this.list = db.prepare('SELECT name FROM queues ORDER BY name');
    this.queueRow = db.prepare('SELECT last_seq, policy, status, created_at FROM queues WHERE name = ?');
    this.length = db.prepare(
      'SELECT count(*) AS n FROM messages WHERE queue = ? AND (expires_at IS NULL OR expires_at > ?)',
    );
    this.deleteExpired = db.prepare('DELETE FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }
}

class SqliteMessages implements MessageStore {
  constructor(
    private readonly sql: Statements,
    private readonly commits: GroupCommitter,
  ) {}

  append(queue: string, messages: readonly NewMessage[], now: number): Promise<string[]> {
    return this.commits.submit(() => {
      this.sql.ensureQueue.run(queue, now);
      const last = (this.sql.bumpSeq.get(messages.length, queue) as { last_seq: number }).last_seq;
      const first = last - messages.length + 1;
      const keys: string[] = [];
      messages.forEach((m, i) => {
        this.sql.insert.run(queue, first + i, m.value, now, m.expiresAt);
        keys.push(formatKey(queue, first + i));
      });
      return keys;
    });
  }

  take(queue: string, limit: number, now: number): Promise<StoredMessage[]> {
    return this.commits.submit(() => {
      if (limit === 1) {
        const row = this.sql.takeOne.get(queue, queue, now, now);
        return row === undefined ? [] : [toMessage(queue, row)];
      }
      const rows = this.sql.takeMany.all(queue, queue, now, now, limit);
      return rows.sort((a, b) => a.seq - b.seq).map((r) => toMessage(queue, r));
    });
  }

  readOldest(queue: string, now: number): Promise<StoredMessage | null> {
    return this.commits.submit(() => {
      const row = this.sql.oldest.get(queue, now, now);
      if (row === undefined) return null;
      this.sql.countRead.run(queue, row.seq);
      return toMessage(queue, { ...row, reads: row.reads + 1 });
    });
  }

  latestKeys(queue: string, limit: number): Promise<string[]> {
    return this.commits.submit(() => this.sql.latest.all(queue, limit).map((r) => formatKey(queue, r.seq)));
  }

  remove(queue: string, seq: number): Promise<boolean> {
    return this.commits.submit(() => this.sql.remove.run(queue, seq).changes > 0);
  }

  purge(queue: string): Promise<number> {
    return this.commits.submit(() => this.sql.purge.run(queue).changes);
  }
}

class SqliteQueues implements QueueStore {
  constructor(
    private readonly sql: Statements,
    private readonly commits: GroupCommitter,
  ) {}

  settings(queue: string): Promise<QueueSettings> {
    return this.commits.submit(() => this.sql.settings.get(queue) ?? DEFAULT_QUEUE_SETTINGS);
  }

  updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<QueueSettings> {
    return this.commits.submit(() => {
      this.sql.ensureQueue.run(queue, now);
      if (patch.policy !== undefined) this.sql.setPolicy.run(patch.policy, queue);
      if (patch.status !== undefined) this.sql.setStatus.run(patch.status, queue);
      return this.sql.settings.get(queue) ?? DEFAULT_QUEUE_SETTINGS;
    });
  }

  list(): Promise<string[]> {
    return this.commits.submit(() => this.sql.list.all().map((r) => r.name));
  }

  stats(queue: string, now: number): Promise<QueueStats | null> {
    return this.commits.submit(() => {
      const row = this.sql.queueRow.get(queue);
      if (row === undefined) return null;
      const oldest = this.sql.oldest.get(queue, Number.MAX_SAFE_INTEGER, now);
      return {
        queue,
        length: (this.sql.length.get(queue, now) as { n: number }).n,
        policy: row.policy,
        status: row.status,
        published: row.last_seq,
        createdAt: row.created_at,
        oldestKey: oldest === undefined ? null : formatKey(queue, oldest.seq),
        oldestAgeMs: oldest === undefined ? null : Math.max(0, now - oldest.created_at),
      };
    });
  }
}
