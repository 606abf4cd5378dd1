// The Redis SignalBus: local listeners hear an emit once, other daemons hear it through
// pub/sub, unsubscribing frees the channel, and waiters are woken after a reconnect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { QueueSignal } from '../../src/core/signals.js';
import { createRedisClient } from '../../src/store/redis/connection.js';
import { KeySpace } from '../../src/store/redis/keys.js';
import type { RedisClient } from '../../src/store/redis/connection.js';
import { RedisSignalBus } from '../../src/store/redis/signals.js';
import { redisCommand, startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName } from '../support/server.js';
import { waitFor } from '../support/wait.js';

describe('Redis signal bus', { timeout: 30_000 }, () => {
  let redis: RedisProcess;
  const keys = new KeySpace('sig:');
  const closers: (() => Promise<unknown>)[] = [];

  function bus(): RedisSignalBus {
    const target = { kind: 'standalone', host: '127.0.0.1', port: redis.port, db: 0, tls: false } as const;
    const publisher: RedisClient = createRedisClient(target, 1000, 'command');
    publisher.on('error', () => undefined);
    const subscriber = createRedisClient(target, 1000, 'subscriber');
    subscriber.on('error', () => undefined);
    const b = new RedisSignalBus({ publisher, subscriber, keys, logger: pino({ level: 'silent' }) });
    closers.push(async () => {
      await b.close();
      publisher.disconnect();
    });
    return b;
  }

  async function subscribers(queue: string): Promise<unknown> {
    const reply = await redisCommand(redis.port, 'PUBSUB', 'NUMSUB', keys.channel(queue));
    return Array.isArray(reply) ? reply[1] : null;
  }

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const close of closers) await close();
    await redis.stop();
  });

  it('delivers once locally and once to each other daemon; one subscription per daemon and queue', async () => {
    const a = bus();
    const b = bus();
    const q = queueName();
    const heardA: QueueSignal[] = [];
    const heardB: QueueSignal[] = [];
    const heardB2: QueueSignal[] = [];
    a.subscribe(q, (s) => heardA.push(s));
    b.subscribe(q, (s) => heardB.push(s));
    b.subscribe(q, (s) => heardB2.push(s));
    await waitFor('two subscriptions', async () => (await subscribers(q)) === 2);
    // Once a subscription holds, its listeners are woken once: signals sent before it were missed.
    await waitFor('subscription wake-ups', () => heardA.length === 1 && heardB.length === 1 && heardB2.length === 1);
    for (const heard of [heardA, heardB, heardB2]) assert.deepEqual(heard.splice(0), [{ kind: 'message', queue: q }]);
    a.emit({ kind: 'config', queue: q });
    a.emit({ kind: 'config', queue: q }); // same turn: coalesced into one PUBLISH
    assert.equal(heardA.length, 2); // local listeners hear each emit at once
    await waitFor('b hears', () => heardB.length === 1 && heardB2.length === 1);
    // A round trip through B proves A's own echo has arrived (and was ignored) by now.
    b.emit({ kind: 'purge', queue: q });
    await waitFor('a hears b', () => heardA.some((s) => s.kind === 'purge'));
    assert.deepEqual(heardA.map((s) => s.kind), ['config', 'config', 'purge']);
    assert.deepEqual(heardB, [{ kind: 'config', queue: q }, { kind: 'purge', queue: q }]);
  });

  it('releases the channel when the last local listener leaves', async () => {
    const a = bus();
    const q = queueName();
    const stop1 = a.subscribe(q, () => undefined);
    const stop2 = a.subscribe(q, () => undefined);
    await waitFor('subscribed', async () => (await subscribers(q)) === 1);
    stop1();
    stop1(); // idempotent
    assert.equal(await subscribers(q), 1);
    stop2();
    await waitFor('unsubscribed', async () => (await subscribers(q)) === 0);
  });

  it('wakes local waiters after the subscriber reconnects, since signals may have been missed', async () => {
    const a = bus();
    const q = queueName();
    const heard: QueueSignal[] = [];
    a.subscribe(q, (s) => heard.push(s));
    await waitFor('subscribed', async () => (await subscribers(q)) === 1);
    await redis.kill('SIGKILL');
    await redis.restart();
    await waitFor('woken after reconnect', () => heard.some((s) => s.kind === 'message' && s.queue === q), 10_000);
    await waitFor('resubscribed', async () => (await subscribers(q)) === 1, 10_000);
  });
});
