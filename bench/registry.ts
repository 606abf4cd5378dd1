/**
 * Every benchmark suite, in the order the table lists them. A feature that lands (Redis
 * store, batches, leases, streaming, connections) adds its suite here; rows for features
 * that do not exist yet are absent, never faked.
 */
import { sqliteStore } from './lib/stores.js';
import type { BenchSuite } from './lib/types.js';
import { connectionsSuite } from './suites/connections.js';
import { sqliteDepthSuite } from './suites/sqlite-depth.js';
import { sqliteHttpSuite } from './suites/sqlite-http.js';
import { reliableSuite } from './suites/reliable.js';
import { streamingSuite } from './suites/streaming.js';

/** The suites `npm run bench` runs. */
export const SUITES: readonly BenchSuite[] = [sqliteHttpSuite, reliableSuite(sqliteStore), streamingSuite, connectionsSuite, sqliteDepthSuite];
