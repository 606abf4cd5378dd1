// Store.onSettled on both stores, below HTTP: what a store drops or moves on its own is
// reported once, with its queue: expiries and lease-expiry dead letters, through the
// maintenance pass (no request involved) and through reads, and nothing twice when
// several reads meet the same messages. Real time with a 50 ms maintenance interval.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import type { Store } from '../../src/store/contract.js';
import type { SettleEvent } from '../../src/store/settle-events.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { startRedis, openTestRedisBackend } from '../support/redis.js';
import { append } from '../support/store-fill.js';
import { waitFor } from '../support/wait.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, tempDir } from '../support/server.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function openStore(kind: 'sqlite' | 'redis'): Promise<Store> {
  if (kind === 'sqlite') {
    const dataDir = tempDir();
    const store = openSqliteStore({ dataDir, sync: 'normal', maintenanceIntervalMs: 50 });
    cleanups.push(async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return store;
  }
  const redis: RedisProcess = await startRedis();
  const { store, signals } = await openTestRedisBackend(redis.port, 'settle:', { maintenanceIntervalMs: 50 });
  cleanups.push(async () => {
    await store.close();
    await signals.close();
    await redis.stop();
  });
  return store;
}

/** Sums the events of `kind` per queue. */
function totals(events: readonly SettleEvent[], kind: SettleEvent['kind']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) if (e.kind === kind) out[e.queue] = (out[e.queue] ?? 0) + e.count;
  return out;
}

for (const kind of ['sqlite', 'redis'] as const) {
  describe(`Store.onSettled on ${kind}`, () => {
    it('reports a last lease that expired, moved by the maintenance pass alone, once', async () => {
      const store = await openStore(kind);
      const events: SettleEvent[] = [];
      store.onSettled((e) => events.push(e));
      const q = queueName('lease');
      const now = Date.now();
      await store.queues.updateSettings(q, { maxAttempts: 1 }, now);
      await append(store, q, [{ value: 'a', expiresAt: null }, { value: 'b', expiresAt: null }], now);
      assert.equal((await store.leases.lease(q, ['receipt-aaaaaaaa', 'receipt-bbbbbbbb'], 100, now)).length, 2);
      await waitFor('the dead letters', () => totals(events, 'lease_dead_lettered')[q] === 2);
      // Reads afterwards find nothing more to report.
      await store.queues.stats(q, Date.now());
      await store.messages.take(q, 10, Date.now());
      assert.deepEqual(totals(events, 'lease_dead_lettered'), { [q]: 2 });
      assert.deepEqual(totals(events, 'expired'), {});
    });

    it('reports messages past their ttl once, whichever read or pass drops them', async () => {
      const store = await openStore(kind);
      const events: SettleEvent[] = [];
      store.onSettled((e) => events.push(e));
      const q = queueName('ttl');
      const now = Date.now();
      await append(store, q, [1, 2, 3].map((i) => ({ value: `t${i}`, expiresAt: now + 100 })), now);
      await append(store, q, [{ value: 'stays', expiresAt: null }], now);
      // SQLite drops them in its maintenance pass; Redis in the reads that meet them.
      await waitFor('the expiries', async () => {
        await store.queues.stats(q, Date.now());
        return totals(events, 'expired')[q] === 3;
      });
      await store.queues.stats(q, Date.now());
      assert.deepEqual((await store.messages.take(q, 10, Date.now())).map((m) => m.value), ['stays']);
      assert.deepEqual(totals(events, 'expired'), { [q]: 3 });
    });
  });
}
