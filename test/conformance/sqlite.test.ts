// The store conformance suite against the embedded SQLite store.
import { rmSync } from 'node:fs';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../support/server.js';
import { runAnswerBytesConformance } from './answer-bytes-suite.js';
import { runGroupsConformance } from './groups-suite.js';
import { runPurgeConformance } from './purge-suite.js';
import { runReliableConformance } from './reliable-suite.js';
import { runStoreConformance } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';

const factory: StoreFactory = () => {
  const dataDir = tempDir();
  const store = openSqliteStore({ dataDir, sync: 'full' });
  return Promise.resolve({ store, cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })) });
};

runStoreConformance('sqlite', factory);
runReliableConformance('sqlite', factory);
runPurgeConformance('sqlite', factory);
runAnswerBytesConformance('sqlite', factory);
runGroupsConformance('sqlite', factory);
