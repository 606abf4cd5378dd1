/**
 * The SQLite schema, versioned by `PRAGMA user_version`. Messages live in one table keyed
 * by (queue, seq) without a rowid, so FIFO order is the primary key's order and a pop is
 * one index seek whatever the queue depth.
 */
import type { Database } from 'better-sqlite3';

/** Current schema version; bump it and add a step to MIGRATIONS for every change. */
export const SCHEMA_VERSION = 7;

/** The SQL of each schema version; a version, once released, is never edited (tests replay old ones). */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `
    CREATE TABLE queues (
      name       TEXT PRIMARY KEY,
      last_seq   INTEGER NOT NULL DEFAULT 0,
      policy     TEXT NOT NULL DEFAULT 'broadcast',
      status     TEXT NOT NULL DEFAULT 'started',
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE messages (
      queue      TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      value      TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      visible_at INTEGER NOT NULL DEFAULT 0,
      attempts   INTEGER NOT NULL DEFAULT 0,
      reads      INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (queue, seq)
    ) WITHOUT ROWID;
    CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // Reliable delivery. A message is ready when visible_at = 0 (a partial index keeps ready
  // messages in key order, so taking or leasing the head is one seek however many are
  // leased or delayed); otherwise visible_at is when its delay or lease ends, found through
  // a second partial index. receipt is set while leased. Dead letters record their origin.
  // queues.stored counts messages (kept by triggers) so max_length costs no scan.
  2: `
    ALTER TABLE queues ADD COLUMN lease_s INTEGER NOT NULL DEFAULT 30;
    ALTER TABLE queues ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 5;
    ALTER TABLE queues ADD COLUMN dead_letter TEXT;
    ALTER TABLE queues ADD COLUMN delay_s INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE queues ADD COLUMN ttl_s INTEGER;
    ALTER TABLE queues ADD COLUMN max_length INTEGER;
    ALTER TABLE queues ADD COLUMN dedup_window_s INTEGER NOT NULL DEFAULT 300;
    ALTER TABLE queues ADD COLUMN stored INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN receipt TEXT;
    ALTER TABLE messages ADD COLUMN dead_source TEXT;
    ALTER TABLE messages ADD COLUMN dead_attempts INTEGER;
    CREATE INDEX messages_ready ON messages (queue, seq) WHERE visible_at = 0;
    CREATE INDEX messages_due ON messages (queue, visible_at) WHERE visible_at > 0;
    CREATE INDEX messages_due_all ON messages (visible_at) WHERE visible_at > 0;
    CREATE TABLE dedup (
      queue      TEXT NOT NULL,
      id         TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (queue, id)
    ) WITHOUT ROWID;
    CREATE INDEX dedup_expiry ON dedup (expires_at);
    UPDATE queues SET stored = (SELECT count(*) FROM messages WHERE messages.queue = queues.name);
    CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
      BEGIN UPDATE queues SET stored = stored + 1 WHERE name = NEW.queue; END;
    CREATE TRIGGER messages_count_delete AFTER DELETE ON messages
      BEGIN UPDATE queues SET stored = stored - 1 WHERE name = OLD.queue; END;
  `,
  // Broadcast history: messages taken for broadcast, kept a while so consumers can resume.
  3: `
    CREATE TABLE stream_history (
      queue       TEXT NOT NULL,
      seq         INTEGER NOT NULL,
      value       TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER,
      streamed_at INTEGER NOT NULL,
      PRIMARY KEY (queue, seq)
    ) WITHOUT ROWID;
  `,
  // Publishes count stored messages once per batch (the upsert that reserves their key
  // numbers) instead of a trigger per row: the trigger cost a queue-row update per message.
  4: `
    DROP TRIGGER messages_count_insert;
  `,
  // Purges and drops run in slices (sweeper.ts); a sweep begun is recorded with the highest
  // key it removes, so a crash mid-way finishes it at the next start instead of leaving
  // purged messages to reappear.
  5: `
    CREATE TABLE sweeps (
      queue    TEXT PRIMARY KEY,
      through  INTEGER NOT NULL,
      dropping INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
  // A transport's opaque text per queue (QueueSettings.extra: SQS tags and attributes).
  6: `
    ALTER TABLE queues ADD COLUMN extra TEXT;
  `,
  // Message groups (SQS FIFO): grp copies the group kept in the stored value, so the held
  // members of a group are found without reading values; the partial index lists the
  // queues that have grouped messages at start. first_leased_at: when the first lease was
  // given (SQS ApproximateFirstReceiveTimestamp).
  7: `
    ALTER TABLE messages ADD COLUMN grp TEXT;
    ALTER TABLE messages ADD COLUMN first_leased_at INTEGER;
    CREATE INDEX messages_grouped ON messages (queue) WHERE grp IS NOT NULL;
  `,
};

/** Applies every migration newer than the database's version, in one transaction. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this RestMQ (${SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      const sql = MIGRATIONS[v];
      if (sql === undefined) throw new Error(`missing migration ${v}`);
      db.exec(sql);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
