/**
 * Pre-fills a queue through the SQLite store itself, before the daemon opens the data dir
 * (the store holds an exclusive lock while serving). Batches of appends are far faster
 * than HTTP, which has no batch publish yet, so a million-message queue takes seconds.
 */
import { openSqliteStore } from '../../src/store/sqlite/store.js';

/** Appends `count` messages of `value` to `queue` in `dataDir`; resolves with the time taken, ms. */
export async function fillSqliteQueue(dataDir: string, queue: string, count: number, value: string): Promise<number> {
  const started = performance.now();
  const store = openSqliteStore({ dataDir, sync: 'normal' });
  try {
    const batch = 10_000;
    for (let done = 0; done < count; done += batch) {
      const n = Math.min(batch, count - done);
      await store.messages.append(queue, Array.from({ length: n }, () => ({ value, expiresAt: null })), Date.now());
    }
  } finally {
    await store.close();
  }
  return performance.now() - started;
}
