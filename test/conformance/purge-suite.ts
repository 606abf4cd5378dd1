/**
 * Purge and drop of big queues, the same on every store: no call sees a queue half purged,
 * numbering goes on, other queues are served meanwhile, and leased or delayed messages go
 * with the rest. (SQLite deletes in slices behind a per-queue hold; Redis unlinks.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/core/types.js';
import type { NewMessage } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { useStore } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';
import { append } from '../support/store-fill.js';

const T0 = 1_800_000_000_000;
/** Big enough for many slices of the SQLite sweeper (its first slice is 200 rows). */
const BIG = 6000;

let counter = 0;
function q(): string {
  counter += 1;
  return `purge-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

function values(n: number, tag: string): NewMessage[] {
  return Array.from({ length: n }, (_, i) => ({ value: `${tag}${i}`, expiresAt: null }));
}

async function fill(store: Store, queue: string, n: number): Promise<void> {
  for (let done = 0; done < n; done += 1000) await append(store, queue, values(Math.min(1000, n - done), 'old'), T0);
}

/** Registers the suite under `describe(name)`. */
export function runPurgeConformance(name: string, factory: StoreFactory): void {
  describe(`purge and drop conformance: ${name}`, () => {
    const store = useStore(factory);

    it('purges a big queue: no call sees it half purged, and numbering and other queues go on', async () => {
      const queue = q();
      const other = q();
      await fill(store, queue, BIG);
      await append(store, other, values(3, 'other'), T0);
      const purging = store.messages.purge(queue);
      // Concurrent with the purge: each sees the queue before it or after it, never between.
      const stats = store.queues.stats(queue, T0);
      const appended = append(store, queue, values(2, 'new'), T0);
      const peeked = store.messages.peek(queue, 10, T0);
      const otherTaken = store.messages.take(other, 10, T0);
      const purged = await purging;
      assert.deepEqual(await appended, [`${queue}:${BIG + 1}`, `${queue}:${BIG + 2}`]);
      const left = (await store.messages.take(queue, 10, T0)).map((m) => m.value);
      assert.equal(purged + left.length, BIG + 2);
      assert.ok(left.every((v) => v.startsWith('new')), left.join());
      assert.ok([0, 2, BIG, BIG + 2].includes((await stats)?.length ?? -1), `stats length ${(await stats)?.length}`);
      const seen = (await peeked).map((m) => m.value).join();
      const before = values(10, 'old').map((m) => m.value).join();
      assert.ok(['', 'new0,new1', before].includes(seen), `peek saw ${seen}`);
      assert.deepEqual((await otherTaken).map((m) => m.value), ['other0', 'other1', 'other2']);
      assert.equal(await store.messages.purge(queue), 0);
    });

    it('drops a big queue with its settings and numbering; a later publish starts again at 1', async () => {
      const queue = q();
      await store.queues.updateSettings(queue, { maxAttempts: 9 }, T0);
      await fill(store, queue, BIG);
      assert.equal(await store.queues.drop(queue), BIG);
      assert.ok(!(await store.queues.list()).includes(queue), 'listed after the drop');
      assert.deepEqual(await store.queues.settings(queue), DEFAULT_QUEUE_SETTINGS);
      assert.equal(await store.queues.stats(queue, T0), null);
      assert.deepEqual(await store.messages.take(queue, 10, T0), []);
      assert.deepEqual(await append(store, queue, values(1, 'again'), T0), [`${queue}:1`]);
      assert.deepEqual((await store.messages.take(queue, 10, T0)).map((m) => m.value), ['again0']);
    });

    it('purges leased and delayed messages with the rest, and a second purge waits for the first', async () => {
      const queue = q();
      await fill(store, queue, BIG);
      await append(store, queue, [{ value: 'later', expiresAt: null, visibleAt: T0 + 60_000 }], T0);
      await store.leases.lease(queue, ['r1', 'r2'], 30_000, T0);
      const first = store.messages.purge(queue);
      const second = store.messages.purge(queue);
      assert.equal(await first, BIG + 1);
      assert.equal(await second, 0);
      assert.deepEqual(await store.messages.peek(queue, 10, T0 + 120_000), []);
      assert.equal(await store.leases.ack(queue, 1, 'r1', T0), 'stale');
    });
  });
}
