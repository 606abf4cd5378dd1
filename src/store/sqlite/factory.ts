/**
 * The SQLite store's factory: the default store, chosen when no other store's settings
 * select one. One daemon owns the file, so wake-ups stay in process.
 */
import { LocalSignalBus } from '../../core/signals.js';
import type { StoreFactory } from '../factory.js';
import { openSqliteStore } from './store.js';

/** The settings the SQLite store reads. */
export interface SqliteSettings {
  /** Folder of the database file (`--data-dir`). */
  readonly dataDir: string;
  /** Durability (`--sync`). */
  readonly sync: 'full' | 'normal';
}

/** Opens the embedded store; always selected, so it comes last in open.ts. */
export const sqliteFactory: StoreFactory<SqliteSettings, SqliteSettings> = {
  kind: 'sqlite',
  sharedByProcesses: false, // one process owns the file and its group commit
  parse: (settings) => ({ dataDir: settings.dataDir, sync: settings.sync }),
  open: (parsed, deps) =>
    Promise.resolve({
      store: openSqliteStore({ ...parsed, clock: deps.clock, log: deps.logger }),
      signals: new LocalSignalBus(),
      about: { dataDir: parsed.dataDir, sync: parsed.sync },
      dataDir: parsed.dataDir,
    }),
};
