/**
 * Every benchmark suite, in the order the table lists them. A suite written over a
 * `StoreUnderTest` runs once per store (`httpSuite(sqliteStore)` is suite `sqlite`,
 * `httpSuite(redisStore)` suite `redis`); rows for features that do not exist are absent,
 * never faked.
 */
import { redisStore, sqliteStore } from './lib/stores.js';
import type { BenchSuite } from './lib/types.js';
import { accessSuite } from './suites/access.js';
import { connectionsSuite } from './suites/connections.js';
import { httpSuite } from './suites/http.js';
import { reliableSuite } from './suites/reliable.js';
import { rabbitmqSuite } from './suites/peers.js';
import { sqliteDepthSuite } from './suites/sqlite-depth.js';
import { sqsSuite } from './suites/sqs.js';
import { streamingSuite } from './suites/streaming.js';
import { workersSuite } from './suites/workers.js';

/** The suites `npm run bench` runs. */
export const SUITES: readonly BenchSuite[] = [
  httpSuite(sqliteStore),
  reliableSuite(sqliteStore),
  httpSuite(redisStore),
  reliableSuite(redisStore),
  streamingSuite,
  connectionsSuite,
  sqliteDepthSuite,
  accessSuite,
  sqsSuite,
  workersSuite,
];

/** Peers measured only when asked (`--peers`, or `--only rabbitmq`): they need a RabbitMQ on this machine. */
export const PEER_SUITES: readonly BenchSuite[] = [rabbitmqSuite];
