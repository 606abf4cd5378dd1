// Two real daemons over one Redis behave as one server: one started in-process
// (startServer), one spawned from the built CLI (bin/restmq → dist/).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { KeySpace } from '../../src/store/redis/keys.js';
import { RedisSignalBus } from '../../src/store/redis/signals.js';
import { createRedisClient } from '../../src/store/redis/connection.js';
import type { QueueSignal } from '../../src/core/signals.js';
import { startDaemon } from '../support/daemon.js';
import type { Daemon } from '../support/daemon.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

describe('two daemons over one Redis', () => {
  let redis: RedisProcess;
  let a: TestServer;
  let b: Daemon;

  before(async () => {
    redis = await startRedis();
    a = await startTestServer({ redisUrl: `${redis.url}/0`, redisPrefix: 'multi:' });
    b = await startDaemon(['--redis-host', '127.0.0.1', '--redis-port', String(redis.port), '--redis-prefix', 'multi:']);
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await redis.stop();
  });

  it('pops from one what was posted to the other, in order', async () => {
    const q = queueName();
    for (const value of ['one', 'two', 'three']) assert.equal((await postForm(`${a.url}/q/${q}`, { value })).status, 200);
    const first = await fetch(`${b.url}/q/${q}`);
    assert.deepEqual(await first.json(), { key: `${q}:1`, value: 'one', count: 0 });
    const second = await fetch(`${a.url}/q/${q}`);
    assert.deepEqual(await second.json(), { key: `${q}:2`, value: 'two', count: 0 });
    const third = await fetch(`${b.url}/?queue=${q}`);
    assert.equal(((await third.json()) as { value: string }).value, 'three');
    assert.equal((await fetch(`${a.url}/q/${q}`)).status, 204);
  });

  it('gives unique keys to concurrent posts through both daemons', async () => {
    const q = queueName();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => postForm(`${(i % 2 === 0 ? a : b).url}/q/${q}`, { value: `v${i}` })),
    );
    const keys = await Promise.all(responses.map(async (r) => (await r.text()).trim()));
    assert.equal(new Set(keys).size, 60);
    assert.deepEqual(new Set(keys), new Set(Array.from({ length: 60 }, (_, i) => `${q}:${i + 1}`)));
  });

  it('shows policy, status and stats changed through one on the other at once', async () => {
    const q = queueName();
    await postForm(`${a.url}/q/${q}`, { value: 'x' });
    assert.equal((await postForm(`${a.url}/p/${q}`, { policy: 'roundrobin' })).status, 200);
    assert.equal((await postForm(`${b.url}/control/${q}`, { status: 'stop' })).status, 200);
    assert.deepEqual(await (await fetch(`${b.url}/p/${q}`)).json(), { queue: q, value: 'roundrobin' });
    assert.deepEqual(await (await fetch(`${a.url}/control/${q}`)).json(), { queue: q, status: 'stopped' });
    const stats = (await (await fetch(`${b.url}/stats/${q}`)).json()) as Record<string, unknown>;
    assert.equal(stats.len, 1);
    assert.equal(stats.policy, 'roundrobin');
    assert.equal(stats.store, 'redis');
    const list = (await (await fetch(`${b.url}/q/`, { headers: { accept: 'application/json' } })).json()) as { queues: string[] };
    assert.ok(list.queues.includes(q));
  });

  it('carries a new-message signal from a post on one daemon to a listener on another', async () => {
    const q = queueName();
    const logger = pino({ level: 'silent' });
    const target = { kind: 'standalone', host: '127.0.0.1', port: redis.port, db: 0, tls: false } as const;
    const publisher = createRedisClient(target, 2000, 'command');
    const bus = new RedisSignalBus({ publisher, subscriber: createRedisClient(target, 2000, 'subscriber'), keys: new KeySpace('multi:'), logger });
    try {
      const heard: QueueSignal[] = [];
      bus.subscribe(q, (s) => heard.push(s));
      // The subscription is in place once Redis counts a subscriber on the channel.
      await waitFor('subscription', async () => {
        const reply = (await publisher.pubsub('NUMSUB', `multi:signal:{${q}}`));
        return reply[1] === 1;
      });
      assert.equal((await postForm(`${b.url}/q/${q}`, { value: 'wake' })).status, 200);
      await waitFor('message signal', () => heard.some((s) => s.kind === 'message' && s.queue === q), 5000);
      assert.equal((await fetch(`${a.url}/q/${q}`, { method: 'DELETE' })).status, 200);
      await waitFor('purge signal', () => heard.some((s) => s.kind === 'purge'), 5000);
    } finally {
      await bus.close();
      await publisher.quit();
    }
  });

  it('reports the Redis store in /readyz', async () => {
    const res = await fetch(`${b.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', store: 'redis' });
  });
});
