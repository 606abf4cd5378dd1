// The store conformance suites against a local 3-master Redis Cluster started for this
// file, the maintenance pass moving dead letters between slots, then two daemons over the
// same Cluster (--redis-cluster) serving shared queues.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { openRedisBackend } from '../../src/store/redis/backend.js';
import { redisCommand, startRedisCluster } from '../support/redis.js';
import type { RedisClusterProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import { CometClient, SseClient, untilAny } from '../stream/clients.js';
import { publish } from '../stream/helpers.js';
import type { TestServer } from '../support/server.js';
import { runGroupsConformance } from './groups-suite.js';
import { runPurgeConformance } from './purge-suite.js';
import { runAnswerBytesConformance } from './answer-bytes-suite.js';
import { runReliableConformance } from './reliable-suite.js';
import { runStoreConformance } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';
import { append } from '../support/store-fill.js';
import { waitFor } from '../support/wait.js';

let cluster: RedisClusterProcess;

before(async () => {
  cluster = await startRedisCluster();
});
after(async () => {
  await cluster?.stop();
});

const factory: StoreFactory = async () => {
  const { store, signals } = await openRedisBackend({
    target: { kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
    prefix: 'conf:',
    timeoutMs: 3000,
    pool: 1,
    logger: pino({ level: 'silent' }),
  });
  return { store, cleanup: () => signals.close() };
};

runStoreConformance('redis-cluster', factory);
runReliableConformance('redis-cluster', factory);
runPurgeConformance('redis-cluster', factory);
runAnswerBytesConformance('redis-cluster', factory);
runGroupsConformance('redis-cluster', factory);

describe('maintenance on a Redis Cluster', () => {
  it('dead-letters an expired last lease of an idle queue into a queue on another slot', async () => {
    const { store, signals } = await openRedisBackend({
      target: { kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) },
      prefix: 'mnt:',
      timeoutMs: 3000,
      pool: 1,
      logger: pino({ level: 'silent' }),
      maintenanceIntervalMs: 50,
    });
    try {
      const q = queueName();
      await store.queues.updateSettings(q, { maxAttempts: 1 }, Date.now());
      await append(store, q, [{ value: 'poison', expiresAt: null }], Date.now());
      assert.equal((await store.leases.lease(q, ['receipt-cluster-1'], 100, Date.now())).length, 1);
      // Only the maintenance pass reads q from here on; the dead-letter queue is only peeked.
      await waitFor('the maintenance pass to dead-letter the message', async () => {
        const dead = await store.messages.peek(`${q}.dlq`, 5, Date.now());
        return dead.length === 1 && dead[0]?.deadLetter?.sourceKey === `${q}:1`;
      });
      assert.equal((await store.queues.stats(q, Date.now()))?.length, 0);
    } finally {
      await store.close();
      await signals.close();
    }
  });
});

describe('two daemons over one Redis Cluster', () => {
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    a = await startTestServer({ redisCluster: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), redisPrefix: 'cl:' });
    // The second daemon knows only one seed and learns the other masters from it.
    b = await startTestServer({ redisCluster: [{ host: '127.0.0.1', port: cluster.nodes[2]?.port ?? 0 }], redisPrefix: 'cl:' });
    // A daemon serves before its Cluster client has learned the slots (it answers 503 until
    // then); wait until both say ready, as a load balancer would.
    for (const d of [a, b]) await waitFor(`${d.url} ready`, async () => (await fetch(`${d.url}/readyz`)).status === 200);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('serves queues spread over every master, posted on one daemon and popped on the other', async () => {
    const queues = Array.from({ length: 12 }, () => queueName());
    for (const q of queues) {
      assert.equal((await postForm(`${a.url}/q/${q}`, { value: `for ${q}` })).status, 200);
      assert.equal((await postForm(`${b.url}/q/${q}`, { value: 'second' })).status, 200);
    }
    const perNode = await Promise.all(cluster.nodes.map(async (n) => Number(await redisCommand(n.port, 'DBSIZE'))));
    assert.ok(perNode.every((size) => size > 0), `keys per master: ${perNode.join(',')}`);
    for (const q of queues) {
      const first = (await (await fetch(`${b.url}/q/${q}`)).json()) as { key: string; value: string };
      assert.deepEqual(first, { key: `${q}:1`, value: `for ${q}`, count: 0 });
      const second = (await (await fetch(`${a.url}/q/${q}`)).json()) as { key: string };
      assert.equal(second.key, `${q}:2`);
    }
    const stats = (await (await fetch(`${b.url}/stats/`)).json()) as { count: number };
    assert.ok(stats.count >= 12);
    assert.equal((await fetch(`${b.url}/readyz`)).status, 200);
  });

  it('streams a broadcast to consumers on both daemons, and resumes on one what the other streamed', async () => {
    const q = queueName('clbc');
    const onA = await SseClient.open(`${a.url}/sse/${q}`);
    const onB = await CometClient.open(`${b.url}/c/${q}`);
    const keys = await publish(b.url, q, ['x', 'y', 'z']);
    await untilAny([onA, onB], () => onA.messages.length === 3 && onB.messages.length === 3, 'the broadcast on both');
    assert.deepEqual(onA.messages.map((m) => m.key), keys);
    assert.deepEqual(onB.messages.map((m) => m.key), keys);
    onA.close();
    const resumed = await SseClient.open(`${b.url}/sse/${q}`, { 'last-event-id': keys[0] as string });
    await resumed.until(() => resumed.messages.length === 2, 'the replay');
    assert.deepEqual(resumed.messages.map((m) => m.key), keys.slice(1));
    resumed.close();
    onB.close();
  });
});
