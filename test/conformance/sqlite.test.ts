// The store conformance suite against the embedded SQLite store.
import { rmSync } from 'node:fs';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../support/server.js';
import { runAnswerBytesConformance } from './answer-bytes-suite.js';
import { runReliableConformance } from './reliable-suite.js';
import { runStoreConformance } from './store-suite.js';

runStoreConformance('sqlite', () => {
  const dataDir = tempDir();
  const store = openSqliteStore({ dataDir, sync: 'full' });
  return Promise.resolve({ store, cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })) });
});

runReliableConformance('sqlite', () => {
  const dataDir = tempDir();
  const store = openSqliteStore({ dataDir, sync: 'full' });
  return Promise.resolve({ store, cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })) });
});

runAnswerBytesConformance('sqlite', () => {
  const dataDir = tempDir();
  const store = openSqliteStore({ dataDir, sync: 'full' });
  return Promise.resolve({ store, cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })) });
});
