// The store conformance suite against a standalone redis-server started for this file.
import { pino } from 'pino';
import { openRedisBackend } from '../../src/store/redis/backend.js';
import { startRedis } from '../support/redis.js';
import { runGroupsConformance } from './groups-suite.js';
import { runPurgeConformance } from './purge-suite.js';
import { runAnswerBytesConformance } from './answer-bytes-suite.js';
import { runReliableConformance } from './reliable-suite.js';
import { runStoreConformance } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';

const factory: StoreFactory = async () => {
  const redis = await startRedis();
  const { store, signals } = await openRedisBackend({
    target: { kind: 'standalone', host: '127.0.0.1', port: redis.port, db: 0, tls: false },
    prefix: 'conf:',
    timeoutMs: 3000,
    pool: 1,
    logger: pino({ level: 'silent' }),
  });
  return {
    store,
    cleanup: async () => {
      await signals.close();
      await redis.stop();
    },
  };
};

runStoreConformance('redis', factory);
runReliableConformance('redis', factory);
runPurgeConformance('redis', factory);
runAnswerBytesConformance('redis', factory);
runGroupsConformance('redis', factory);
