// The store conformance suite against a standalone redis-server started for this file.
import { startRedis, openTestRedisBackend } from '../support/redis.js';
import { runGroupsConformance } from './groups-suite.js';
import { runPurgeConformance } from './purge-suite.js';
import { runAnswerBytesConformance } from './answer-bytes-suite.js';
import { runReliableConformance } from './reliable-suite.js';
import { runStoreConformance } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';

const factory: StoreFactory = async () => {
  const redis = await startRedis();
  const { store, signals } = await openTestRedisBackend(redis.port, 'conf:');
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
