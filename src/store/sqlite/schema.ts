/**
 * The SQLite schema, versioned by `PRAGMA user_version`. Messages live in one table keyed
 * by (queue, seq) without a rowid, so FIFO order is the primary key's order and a pop is
 * one index seek whatever the queue depth.
 */
import type { Database } from 'better-sqlite3';

/** Current schema version; bump it and add a step to MIGRATIONS for every change. */
export const SCHEMA_VERSION = 2;

const MIGRATIONS: Record<number, string> = {
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
  // Broadcast history: messages taken for broadcast, kept a while so consumers can resume.
  2: `
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
