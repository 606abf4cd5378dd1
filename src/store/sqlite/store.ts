/**
 * The embedded store: one SQLite file in WAL mode, owned by one daemon (exclusive lock),
 * with every operation of an event-loop turn committed together (see group-commit.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { systemClock } from '../../core/clock.js';
import type { Clock, Timer } from '../../core/clock.js';
import { RestMQError } from '../../core/errors.js';
import type { DeadLetterStore, LeaseStore, MessageStore, QueueStore, Store, StreamStore } from '../contract.js';
import { BackgroundFailures } from '../background-failures.js';
import type { StoreLog } from '../background-failures.js';
import { MoveListeners } from '../move-listeners.js';
import { SettleListeners } from '../settle-events.js';
import type { SettleEvent } from '../settle-events.js';
import { DeadLetterMoves, SqliteDeadLetters } from './dead-letters.js';
import { DueWork, SETTLE_LIMIT } from './due.js';
import { GroupCommitter } from './group-commit.js';
import { MessageGroups } from './groups.js';
import { SqliteLeases } from './leases.js';
import { SqliteMessages } from './messages.js';
import { SqliteQueues } from './queues.js';
import { migrate } from './schema.js';
import { Statements } from './statements.js';
import { SqliteStreams } from './streams.js';
import { QueueSweeper } from './sweeper.js';

/** How the SQLite store is opened. */
export interface SqliteStoreOptions {
  /** Folder holding `restmq.db`; created when missing. */
  readonly dataDir: string;
  /** `full`: fsync at every commit (a 2xx survives power loss). `normal`: survives a process crash only. */
  readonly sync: 'full' | 'normal';
  /**
   * How often expired messages and dedup ids are deleted, due leases and delays of idle
   * queues settled (dead-lettering included) and free pages reclaimed, ms. @default 5000
   */
  readonly maintenanceIntervalMs?: number;
  /** Time and the maintenance timer. @default systemClock */
  readonly clock?: Clock;
  /** Where failures of the maintenance pass are logged (warn, rate-limited). @default none */
  readonly log?: StoreLog;
}

/** The catalog error for a failed database call; the driver's text stays in `cause`, for the logs. */
function storeUnavailable(err: unknown): RestMQError {
  return new RestMQError('store_unavailable', undefined, { cause: err });
}

/** Opens the SQLite store, creating and migrating the database file as needed. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  // timeout 0: a second daemon on the same file fails at once instead of waiting 5 s for the lock.
  const db = new BetterSqlite3(join(options.dataDir, 'restmq.db'), { timeout: 0 });
  try {
    // Before WAL: switching the journal mode writes the file's first page, after which a new
    // database keeps auto_vacuum off and the maintenance pass's incremental_vacuum does nothing.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('journal_size_limit = 67108864');
    db.pragma('busy_timeout = 0');
    // Statement journals in memory: with the default (a temp file), a statement journal that
    // once outgrows 64 KiB (a large group commit) stays a real file for the connection's
    // life, and every later UPDATE or DELETE pays pwrite calls to it (measured: lease + ack
    // cost 2-3× the CPU per message from then on). Only in-flight rollback data lives there.
    db.pragma('temp_store = MEMORY');
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
  readonly leases: LeaseStore;
  readonly deadLetters: DeadLetterStore;
  readonly queues: QueueStore;
  readonly streams: StreamStore;
  private readonly commits: GroupCommitter;
  private readonly moves = new MoveListeners();
  private readonly settled = new SettleListeners();
  private readonly maintenance: Timer;
  private closed = false;

  constructor(
    private readonly db: Database,
    options: SqliteStoreOptions,
  ) {
    this.commits = new GroupCommitter(db, storeUnavailable);
    const sql = new Statements(db);
    const groups = new MessageGroups(db);
    const letters = new DeadLetterMoves(sql, groups, (queue) => this.moves.moved(queue));
    const due = new DueWork(sql, letters, this.settled);
    // The maintenance delete, answering each row's queue so expiries are counted per queue.
    const deleteExpired = db.prepare<[number], { queue: string }>('DELETE FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING queue');
    const clock = options.clock ?? systemClock;
    const failures = new BackgroundFailures(options.log);
    const sweeper = new QueueSweeper(db, this.commits, clock, failures);
    this.messages = new SqliteMessages(sql, due, this.commits, sweeper, groups);
    this.leases = new SqliteLeases(sql, due, letters, this.commits, groups);
    this.deadLetters = new SqliteDeadLetters(sql, due, letters, this.commits);
    this.queues = new SqliteQueues(sql, this.commits, sweeper);
    this.streams = new SqliteStreams(db, due, this.commits, groups);
    const maintain = (now: number): void => {
      const expired = new Map<string, number>();
      for (const { queue } of deleteExpired.iterate(now)) expired.set(queue, (expired.get(queue) ?? 0) + 1);
      for (const [queue, count] of expired) this.settled.report('expired', queue, count);
      sql.dedupExpire.run(now);
      const queues = new Set(sql.dueQueues.all(now, SETTLE_LIMIT).map((r) => r.queue));
      // A queue being purged or dropped is left alone: its leases must not dead-letter meanwhile.
      for (const queue of queues) if (!this.commits.isHeld(queue)) due.settle(queue, now);
    };
    sweeper.resume();
    this.maintenance = clock.setInterval(() => {
      this.commits
        .submit(() => maintain(clock.now()))
        .then(() => {
          // The pass may finish after close(): the database is gone by then.
          if (!this.closed) db.pragma('incremental_vacuum(256)');
        })
        .catch(failures.handler('maintenance')); // requests and /readyz report an outage too
    }, options.maintenanceIntervalMs ?? 5000);
    this.maintenance.unref();
  }

  onMoved(listener: (queue: string) => void): () => void {
    return this.moves.add(listener);
  }

  onSettled(listener: (event: SettleEvent) => void): () => void {
    return this.settled.add(listener);
  }

  ping(): Promise<void> {
    if (this.closed) return Promise.reject(new RestMQError('store_unavailable', 'the SQLite store is closed'));
    return this.commits.submit(() => undefined);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.maintenance.cancel();
    this.commits.close();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    return Promise.resolve();
  }
}

