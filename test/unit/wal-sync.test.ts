// The fsync of `--sync full` off the event loop: a group commit is answered only once an
// fdatasync that started after its commit has finished (src/store/sqlite/wal-sync.ts).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { GroupCommitter } from '../../src/store/sqlite/group-commit.js';
import { WalSync } from '../../src/store/sqlite/wal-sync.js';
import { tempDir } from '../support/server.js';

/** A held fdatasync: each call waits until the test releases it. */
function heldSync(): { sync: (fd: number, done: (err: Error | null) => void) => void; calls: ((err: Error | null) => void)[] } {
  const calls: ((err: Error | null) => void)[] = [];
  return { sync: (_fd, done) => calls.push(done), calls };
}

const dirs: string[] = [];
function walFile(): string {
  const dir = tempDir();
  dirs.push(dir);
  const path = join(dir, 'x.db-wal');
  writeFileSync(path, '');
  return path;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('WalSync', () => {
  it('runs one fdatasync at a time; callers that arrive meanwhile share the next one', () => {
    const held = heldSync();
    const wal = new WalSync(walFile(), held.sync);
    const order: string[] = [];
    wal.after(() => order.push('a'));
    wal.after(() => order.push('b')); // the sync for a is in flight: b waits for the next
    wal.after(() => order.push('c'));
    assert.equal(held.calls.length, 1);
    held.calls[0]?.(null);
    assert.deepEqual(order, ['a']);
    assert.equal(held.calls.length, 2, 'b and c share the second sync');
    held.calls[1]?.(null);
    assert.deepEqual(order, ['a', 'b', 'c']);
    wal.close();
  });

  it('passes an fdatasync error to every caller it covered', () => {
    const held = heldSync();
    const wal = new WalSync(walFile(), held.sync);
    const seen: (Error | null)[] = [];
    wal.after((err) => seen.push(err));
    held.calls[0]?.(new Error('EIO'));
    assert.equal(seen[0]?.message, 'EIO');
    wal.close();
  });

  it('close syncs at once and answers whoever waits, then refuses', () => {
    const held = heldSync();
    const wal = new WalSync(walFile(), held.sync);
    const seen: (Error | null)[] = [];
    wal.after((err) => seen.push(err));
    wal.after((err) => seen.push(err));
    wal.close();
    assert.deepEqual(seen, [null, null]);
    held.calls[0]?.(null); // the in-flight sync ends after close: nobody is answered twice
    assert.equal(seen.length, 2);
    let refused: Error | null = null;
    wal.after((err) => {
      refused = err;
    });
    assert.match(String((refused as Error | null)?.message), /closed/);
  });
});

describe('GroupCommitter with a WalSync', () => {
  it('settles a batch only after the fdatasync that covers its commit', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = new BetterSqlite3(join(dir, 'x.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER)');
    const held = heldSync();
    const commits = new GroupCommitter(db, (err) => (err instanceof Error ? err : new Error(String(err))), new WalSync(join(dir, 'x.db-wal'), held.sync));
    let settled = false;
    const write = commits.submit(() => db.prepare('INSERT INTO t VALUES (1)').run().changes).then((n) => {
      settled = true;
      return n;
    });
    await new Promise((resolve) => setImmediate(resolve)); // the batch commits in the next turn
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(held.calls.length, 1, 'the commit asked for an fdatasync');
    assert.equal(settled, false, 'not answered before the fdatasync finished');
    held.calls[0]?.(null);
    assert.equal(await write, 1);
    const failing = commits.submit(() => 2);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    held.calls[1]?.(new Error('EIO'));
    await assert.rejects(failing, /EIO/);
    commits.close();
    db.close();
  });
});
