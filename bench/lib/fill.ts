/**
 * Pre-fills queues through the store code itself, before the load starts: far faster than
 * any HTTP route, so a fill never eats a run's time. SQLite is filled before the daemon
 * opens the data dir (the store holds an exclusive lock while serving); Redis through a
 * second, short-lived store on the same redis-server, with the daemon's default prefix.
 */
import { pino } from 'pino';
import type { Store } from '../../src/store/contract.js';
import { openRedisBackend } from '../../src/store/redis/backend.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';

const BATCH = 10_000;

async function appendAll(store: Store, queue: string, count: number, value: string): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    const n = Math.min(BATCH, count - done);
    const outcome = await store.messages.publish(queue, Array.from({ length: n }, () => ({ value })), Date.now());
    if (outcome.kind !== 'stored') throw new Error(`bench fill: ${queue} is full`);
  }
}

/** Appends `count` messages of `value` to `queue` in `dataDir`; resolves with the time taken, ms. */
export async function fillSqliteQueue(dataDir: string, queue: string, count: number, value: string): Promise<number> {
  const started = performance.now();
  const store = openSqliteStore({ dataDir, sync: 'normal' });
  try {
    await appendAll(store, queue, count, value);
  } finally {
    await store.close();
  }
  return performance.now() - started;
}

/** Appends `count` messages of `value` to `queue` on the redis-server at 127.0.0.1:`port` (prefix `restmq:`); resolves with the time taken, ms. */
export async function fillRedisQueue(port: number, queue: string, count: number, value: string): Promise<number> {
  const started = performance.now();
  const backend = await openRedisBackend({
    target: { kind: 'standalone', host: '127.0.0.1', port, db: 0, tls: false },
    prefix: 'restmq:',
    timeoutMs: 10_000,
    pool: 1,
    logger: pino({ level: 'silent' }),
  });
  try {
    await appendAll(backend.store, queue, count, value);
  } finally {
    await backend.signals.close();
    await backend.store.close();
  }
  return performance.now() - started;
}
