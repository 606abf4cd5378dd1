// The store conformance suite against a local 3-master Redis Cluster started for this file.
import { pino } from 'pino';
import { openRedisBackend } from '../../src/store/redis/backend.js';
import { startRedisCluster } from '../support/redis.js';
import { runStoreConformance } from './store-suite.js';

runStoreConformance('redis-cluster', async () => {
  const cluster = await startRedisCluster();
  const { store, signals } = await openRedisBackend({
    target: { kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
    prefix: 'conf:',
    timeoutMs: 3000,
    pool: 1,
    logger: pino({ level: 'silent' }),
  });
  return {
    store,
    cleanup: async () => {
      await signals.close();
      await cluster.stop();
    },
  };
});
