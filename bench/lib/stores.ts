/**
 * How a suite gets a daemon on one store, so a suite is written once and runs on each:
 * SQLite now; the Redis store, when it lands, adds a `StoreUnderTest` that starts a
 * redis-server, fills the queues and passes `--redis <url>` to the daemon.
 */
import { startCliServer } from '../../test/support/cli-server.js';
import type { CliServer } from '../../test/support/cli-server.js';
import { fillSqliteQueue } from './fill.js';
import type { BenchContext } from './types.js';

/** Messages a queue must hold before the daemon serves. */
export interface Fill {
  readonly queue: string;
  readonly count: number;
  readonly value: string;
}

/** A store a suite can run on. */
export interface StoreUnderTest {
  /** Short name, used in suite ids and notes: `sqlite`. */
  readonly name: string;
  /** How the daemon is configured, for the notes: `--sync full`. */
  readonly settings: string;
  /** Fills the queues (by whatever is fastest for this store), then starts the daemon on it. */
  start(ctx: BenchContext, label: string, fills: readonly Fill[]): Promise<CliServer>;
}

/** The embedded SQLite store with `--sync full` (the default): every 2xx is fsynced. */
export const sqliteStore: StoreUnderTest = {
  name: 'sqlite',
  settings: '--sync full',
  async start(ctx, label, fills) {
    const dataDir = ctx.tempDir(`${label}-sqlite`);
    for (const fill of fills) await fillSqliteQueue(dataDir, fill.queue, fill.count, fill.value);
    return startCliServer({ dataDir, sync: 'full' });
  },
};
