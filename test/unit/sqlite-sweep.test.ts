// SQLite purges and drops run in slices (src/store/sqlite/sweeper.ts). A sweep stopped half
// way (each slice is committed, so a stop between slices leaves what a crash would) is
// finished at the next open: purged messages never come back. A queue being dropped is out
// of the list at once, and a dead letter moved into it during the sweep survives.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Store } from '../../src/store/contract.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../support/server.js';
import { append } from '../support/store-fill.js';

const T0 = 1_800_000_000_000;
const BIG = 6000;

async function fill(store: Store, queue: string, n: number): Promise<void> {
  for (let done = 0; done < n; done += 1000) {
    await append(store, queue, Array.from({ length: 1000 }, (_, i) => ({ value: `m${done + i}`, expiresAt: null })), T0);
  }
}

async function withStore(run: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = tempDir();
  try {
    await run(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('SQLite sliced purge and drop', () => {
  it('finishes at the next open a purge stopped between slices', () =>
    withStore(async (dataDir) => {
      const first = openSqliteStore({ dataDir, sync: 'full' });
      await fill(first, 'big', BIG);
      const purging = first.messages.purge('big');
      await first.ping(); // committed together with the first slice
      await first.close();
      await assert.rejects(purging, { code: 'store_unavailable' });

      const second = openSqliteStore({ dataDir, sync: 'full' });
      try {
        assert.deepEqual(await second.messages.peek('big', 5, T0), []);
        assert.equal((await second.queues.stats('big', T0))?.length, 0);
        assert.deepEqual(await append(second, 'big', [{ value: 'after', expiresAt: null }], T0), [`big:${BIG + 1}`]);
      } finally {
        await second.close();
      }
    }));

  it('leaves a queue being dropped out of the list at once', () =>
    withStore(async (dataDir) => {
      const store = openSqliteStore({ dataDir, sync: 'full' });
      try {
        await fill(store, 'gone', BIG);
        await append(store, 'kept', [{ value: 'k', expiresAt: null }], T0);
        const dropping = store.queues.drop('gone');
        const listed = store.queues.list();
        assert.deepEqual(await listed, ['kept']);
        assert.equal(await dropping, BIG);
      } finally {
        await store.close();
      }
    }));

  it('keeps a dead letter moved into a queue while its drop is swept', () =>
    withStore(async (dataDir) => {
      const store = openSqliteStore({ dataDir, sync: 'full' });
      try {
        await store.queues.updateSettings('work', { maxAttempts: 1, deadLetter: 'dlq' }, T0);
        await append(store, 'work', [{ value: 'poison', expiresAt: null }], T0);
        const [leased] = await store.leases.lease('work', ['r1'], 30_000, T0);
        await fill(store, 'dlq', BIG);
        const dropping = store.queues.drop('dlq');
        const released = store.leases.release('work', leased?.seq ?? 0, 'r1', T0, T0);
        assert.equal((await released).kind, 'dead_lettered');
        assert.equal(await dropping, BIG);
        assert.deepEqual((await store.messages.take('dlq', 10, T0)).map((m) => m.value), ['poison']);
        assert.ok((await store.queues.list()).includes('dlq'));
      } finally {
        await store.close();
      }
    }));
});
