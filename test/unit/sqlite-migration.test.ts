// A database written by schema version 1 opens under version 2 with its messages, settings
// and numbering intact, its message counter filled in, and the new features working.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../support/server.js';

const T0 = 1_800_000_000_000;

describe('SQLite schema migration 1 -> 2', () => {
  it('keeps version-1 data and serves the new features on it', async () => {
    const dataDir = tempDir();
    try {
      const v1 = new BetterSqlite3(join(dataDir, 'restmq.db'));
      v1.exec(MIGRATIONS[1] as string);
      v1.pragma('user_version = 1');
      v1.prepare("INSERT INTO queues (name, last_seq, policy, status, created_at) VALUES ('old', 3, 'roundrobin', 'stopped', ?)").run(T0);
      const insert = v1.prepare('INSERT INTO messages (queue, seq, value, created_at) VALUES (?, ?, ?, ?)');
      insert.run('old', 2, 'two', T0);
      insert.run('old', 3, 'three', T0);
      v1.close();

      const store = openSqliteStore({ dataDir, sync: 'full' });
      try {
        const settings = await store.queues.settings('old');
        assert.deepEqual([settings.policy, settings.status, settings.maxAttempts, settings.leaseSeconds], ['roundrobin', 'stopped', 5, 30]);
        await store.queues.updateSettings('old', { maxLength: 3 }, T0);
        // two stored + one fits; the counter was filled in from the old rows
        assert.equal((await store.messages.publish('old', [{ value: 'four' }], T0)).kind, 'stored');
        assert.deepEqual(await store.messages.publish('old', [{ value: 'five' }], T0), { kind: 'full', length: 3 });
        const [leased] = await store.leases.lease('old', ['receipt-for-old-1'], 30_000, T0);
        assert.deepEqual([leased?.key, leased?.value, leased?.attempts], ['old:2', 'two', 1]);
        assert.deepEqual((await store.messages.take('old', 5, T0)).map((m) => m.key), ['old:3', 'old:4']);
      } finally {
        await store.close();
      }
      const reopened = new BetterSqlite3(join(dataDir, 'restmq.db'), { readonly: true });
      assert.equal(reopened.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      reopened.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SQLite file settings', () => {
  it('a new database has incremental auto-vacuum, so the maintenance pass can give free pages back', async () => {
    const dataDir = tempDir();
    try {
      await openSqliteStore({ dataDir, sync: 'full' }).close();
      const db = new BetterSqlite3(join(dataDir, 'restmq.db'), { readonly: true });
      try {
        assert.equal(db.pragma('auto_vacuum', { simple: true }), 2, 'INCREMENTAL');
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        db.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
