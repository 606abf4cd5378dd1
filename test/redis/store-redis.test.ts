// Redis-specific store behaviour beyond the shared conformance suite: lost script caches,
// long runs of expired messages (also while passing a busy message group), queues without
// groups that never look for them, prefixes that keep deployments apart, a pool of several
// connections, the key layout of leases, half-done moves between queues and the
// maintenance pass.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeStoredValue } from '../../src/core/stored-value.js';
import type { Store } from '../../src/store/contract.js';
import type { SignalBus } from '../../src/core/signals.js';
import { redisCommand, startRedis, openTestRedisBackend } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName } from '../support/server.js';
import { append } from '../support/store-fill.js';
import { waitFor } from '../support/wait.js';

const T0 = 1_800_000_000_000;

describe('Redis store specifics', () => {
  let redis: RedisProcess;
  const opened: { store: Store; signals: SignalBus }[] = [];

  async function open(prefix: string, pool = 1, maintenanceIntervalMs?: number): Promise<Store> {
    const backend = await openTestRedisBackend(redis.port, prefix, { timeoutMs: 2000, pool, ...(maintenanceIntervalMs === undefined ? {} : { maintenanceIntervalMs }) });
    opened.push(backend);
    return backend.store;
  }

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const b of opened) {
      await b.signals.close();
      await b.store.close();
    }
    await redis.stop();
  });

  it('reloads its scripts after Redis lost them (NOSCRIPT)', async () => {
    const store = await open('ns:');
    const q = queueName();
    await append(store, q, [{ value: 'a', expiresAt: null }], T0);
    assert.equal(await redisCommand(redis.port, 'SCRIPT', 'FLUSH'), 'OK');
    assert.deepEqual(await append(store, q, [{ value: 'b', expiresAt: null }], T0), [`${q}:2`]);
    assert.deepEqual((await store.messages.take(q, 5, T0)).map((m) => m.value), ['a', 'b']);
  });

  it('walks past more expired messages than one script call may drop', async () => {
    const store = await open('exp:');
    const q = queueName();
    const expired = Array.from({ length: 2500 }, (_, i) => ({ value: `old${i}`, expiresAt: T0 + 1 }));
    await append(store, q, [...expired, { value: 'live', expiresAt: null }, { value: 'live2', expiresAt: null }], T0);
    assert.equal((await store.messages.readOldest(q, T0 + 2))?.value, 'live');
    const q2 = queueName();
    await append(store, q2, [...expired, { value: 'live', expiresAt: null }], T0);
    assert.deepEqual((await store.messages.take(q2, 1, T0 + 2)).map((m) => m.key), [`${q2}:2501`]);
    const q3 = queueName();
    await append(store, q3, [...expired, { value: 'live', expiresAt: null }], T0);
    const stats = await store.queues.stats(q3, T0 + 2);
    assert.equal(stats?.length, 1);
    assert.equal(stats?.oldestKey, `${q3}:2501`);
    assert.equal(await redisCommand(redis.port, 'ZCARD', `exp:{${q3}}:exp`), 0);
  });

  it('walks past more expired messages than one script call may drop while passing a busy group', async () => {
    const store = await open('gexp:');
    const q = queueName();
    await append(store, q, [{ value: encodeStoredValue('busy', null, 'h'), expiresAt: null }], T0);
    assert.equal((await store.leases.lease(q, ['receipt-gexp-1'], 60_000, T0)).length, 1);
    // 600 waiting members of the busy group, then 2500 expired messages: only live ones count toward the lookahead
    const waiting = Array.from({ length: 600 }, (_, i) => ({ value: encodeStoredValue(`wait${i}`, null, 'h'), expiresAt: null }));
    const expired = Array.from({ length: 2500 }, (_, i) => ({ value: encodeStoredValue(`old${i}`, null, i % 2 === 0 ? 'h' : null), expiresAt: T0 + 1 }));
    await append(store, q, [...waiting, ...expired, { value: encodeStoredValue('live', null, 'g'), expiresAt: null }], T0);
    const leased = await store.leases.lease(q, ['receipt-gexp-2', 'receipt-gexp-3'], 60_000, T0 + 2);
    assert.deepEqual(leased.map((m) => m.key), [`${q}:3102`]);
    assert.equal(await redisCommand(redis.port, 'ZCARD', `gexp:{${q}}:exp`), 0);
  });

  it('reads the held messages for groups only when a take or lease meets a grouped message', async (t) => {
    // A Redis of its own, so that no other test's store counts in its command stats.
    const own = await startRedis();
    const backend = await openTestRedisBackend(own.port, 'gcost:', { timeoutMs: 2000, maintenanceIntervalMs: 3_600_000 });
    t.after(async () => {
      await backend.signals.close();
      await backend.store.close();
      await own.stop();
    });
    const store = backend.store;
    // Only the group lookup reads a whole sorted set with ZRANGE in a take or lease.
    const heldReads = async (): Promise<number> => {
      const info = String(await redisCommand(own.port, 'INFO', 'commandstats'));
      return Number(/^cmdstat_zrange:calls=(\d+)/m.exec(info)?.[1] ?? '0');
    };
    const plain = queueName();
    await append(store, plain, Array.from({ length: 6 }, (_, i) => ({ value: `v${i}`, expiresAt: null, visibleAt: i === 0 ? T0 + 60_000 : undefined })), T0);
    assert.equal((await store.leases.lease(plain, ['receipt-gcost-1', 'receipt-gcost-2'], 10_000, T0)).length, 2);
    const before = await heldReads();
    assert.equal((await store.leases.lease(plain, ['receipt-gcost-3'], 10_000, T0)).length, 1);
    assert.equal((await store.messages.take(plain, 2, T0)).length, 2);
    assert.equal(await heldReads(), before, 'a queue without groups, with held messages, never reads held');
    const grouped = queueName();
    await append(store, grouped, ['a', 'b'].map((v) => ({ value: encodeStoredValue(v, null, 'g'), expiresAt: null })), T0);
    assert.equal((await store.leases.lease(grouped, ['receipt-gcost-4'], 10_000, T0)).length, 1);
    assert.deepEqual(await store.messages.take(grouped, 2, T0), []);
    assert.ok((await heldReads()) > before, 'a grouped message at the head makes it look');
  });

  it('keeps deployments with different prefixes apart on one Redis', async () => {
    const one = await open('one:');
    const two = await open('two:');
    const q = queueName();
    await append(one, q, [{ value: 'for one', expiresAt: null }], T0);
    assert.equal(await two.queues.stats(q, T0), null);
    assert.ok(!(await two.queues.list()).includes(q));
    assert.deepEqual(await two.messages.take(q, 1, T0), []);
    assert.equal((await one.messages.take(q, 1, T0))[0]?.value, 'for one');
  });

  it('splits a turn of large messages into several script calls, keeping keys in order', async () => {
    const store = await open('big:');
    const q = queueName();
    const before = String(await redisCommand(redis.port, 'INFO', 'commandstats'));
    const big = 'x'.repeat(1024 * 1024);
    const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => append(store, q, [{ value: `${i}${big}`, expiresAt: null }], T0)));
    assert.deepEqual(keys.flat(), Array.from({ length: 10 }, (_, i) => `${q}:${i + 1}`));
    const after = String(await redisCommand(redis.port, 'INFO', 'commandstats'));
    const calls = (text: string): number => Number(/cmdstat_evalsha:calls=(\d+)/.exec(text)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(text)?.[1] ?? 0);
    const scriptCalls = calls(after) - calls(before);
    assert.ok(scriptCalls >= 3 && scriptCalls <= 4, `${scriptCalls} script calls for 10 MB`);
    assert.deepEqual((await store.messages.take(q, 10, T0)).map((m) => m.value.slice(0, 1)), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('spreads queues over a pool of connections and keeps each queue in order', async () => {
    const store = await open('pool:', 3);
    const queues = Array.from({ length: 6 }, () => queueName());
    await Promise.all(queues.map((q) => Promise.all(Array.from({ length: 20 }, (_, i) => append(store, q, [{ value: `${i}`, expiresAt: null }], T0)))));
    for (const q of queues) {
      const taken = await store.messages.take(q, 100, T0);
      assert.equal(taken.length, 20);
      assert.deepEqual(taken.map((m) => m.seq), Array.from({ length: 20 }, (_, i) => i + 1));
    }
    const clients = String(await redisCommand(redis.port, 'CLIENT', 'LIST'));
    for (const name of ['restmq-0', 'restmq-1', 'restmq-2']) assert.ok(clients.includes(`name=${name} `), name);
    await store.ping();
  });

  it('keeps only ready messages in {q}:ready and the message format unchanged; leases live in new keys', async () => {
    const store = await open('lay:');
    const q = queueName();
    await append(store, q, [{ value: 'a|b', expiresAt: T0 + 60_000 }, { value: 'c', expiresAt: null }], T0);
    await store.leases.lease(q, ['receipt-layout-1'], 10_000, T0);
    assert.deepEqual(await redisCommand(redis.port, 'ZRANGE', `lay:{${q}}:ready`, 0, -1), ['2']);
    assert.deepEqual(await redisCommand(redis.port, 'ZRANGE', `lay:{${q}}:held`, 0, -1), ['1']);
    assert.equal(await redisCommand(redis.port, 'ZSCORE', `lay:{${q}}:due`, '1'), String(T0 + 10_000));
    assert.equal(await redisCommand(redis.port, 'HGET', `lay:{${q}}:lease`, '1'), 'receipt-layout-1');
    assert.equal(await redisCommand(redis.port, 'HGET', `lay:{${q}}:msg`, '1'), `${T0}|${T0 + 60_000}|a|b`);
    assert.equal(await redisCommand(redis.port, 'ZSCORE', 'lay:{due}:queues', q), String(T0 + 10_000));
    assert.equal(await store.leases.ack(q, 1, 'receipt-layout-1', T0 + 1), 'acked');
    assert.equal(await redisCommand(redis.port, 'HEXISTS', `lay:{${q}}:msg`, '1'), 0);
    assert.equal(await redisCommand(redis.port, 'HEXISTS', `lay:{${q}}:lease`, '1'), 0);
    assert.equal(await redisCommand(redis.port, 'ZCARD', `lay:{${q}}:held`), 0);
    assert.equal(await redisCommand(redis.port, 'HLEN', `lay:{${q}}:attempts`), 0);
    assert.equal(await redisCommand(redis.port, 'ZCARD', `lay:{${q}}:exp`), 0);
  });

  it('finishes a move to the dead-letter queue that a daemon left half done, exactly once', async () => {
    const store = await open('half:');
    const q = queueName();
    const dlq = `${q}.dlq`;
    await append(store, q, [{ value: 'live', expiresAt: null }], T0);
    // As if a daemon stopped between the two steps: the message sits in the outbox only.
    const entry = `${dlq}|3|${q}:7|lost|value`;
    await redisCommand(redis.port, 'HSET', `half:{${q}}:dlq-out`, 'nonce1:7', entry);
    // Any read of the queue delivers it.
    assert.deepEqual((await store.messages.peek(q, 5, T0)).map((m) => m.value), ['live']);
    const [dead] = await store.messages.peek(dlq, 5, T0);
    assert.deepEqual([dead?.key, dead?.value, dead?.deadLetter], [`${dlq}:1`, 'lost|value', { sourceKey: `${q}:7`, attempts: 3 }]);
    assert.equal(await redisCommand(redis.port, 'HLEN', `half:{${q}}:dlq-out`), 0);
    assert.ok((await store.queues.list()).includes(dlq));
    // A second daemon that read the same entry before it was deleted delivers it again: no copy.
    await redisCommand(redis.port, 'HSET', `half:{${q}}:dlq-out`, 'nonce1:7', entry);
    await store.messages.take(q, 1, T0);
    assert.equal((await store.messages.peek(dlq, 5, T0)).length, 1);
  });

  it('runs a maintenance pass that settles idle queues, forgets dedup ids and leaves the registry', async () => {
    const store = await open('mnt:', 1, 50);
    const q = queueName();
    await store.queues.updateSettings(q, { maxAttempts: 1, dedupWindowSeconds: 1 }, Date.now());
    await store.messages.publish(q, [{ value: 'poison', dedupId: 'once' }], Date.now());
    assert.equal((await store.leases.lease(q, ['receipt-maint-1'], 100, Date.now())).length, 1);
    assert.equal(await redisCommand(redis.port, 'HLEN', `mnt:{${q}}:dedup`), 1);
    await waitFor(
      'the maintenance pass to settle the queue',
      async () =>
        (await redisCommand(redis.port, 'HLEN', `mnt:{${q}}:msg`)) === 0 &&
        (await redisCommand(redis.port, 'HLEN', `mnt:{${q}}:dedup`)) === 0 &&
        (await redisCommand(redis.port, 'HLEN', `mnt:{${q}.dlq}:msg`)) === 1 &&
        (await redisCommand(redis.port, 'ZSCORE', 'mnt:{due}:queues', q)) === null,
      5000,
    );
    const [dead] = await store.messages.peek(`${q}.dlq`, 5, Date.now());
    assert.deepEqual(dead?.deadLetter, { sourceKey: `${q}:1`, attempts: 1 });
  });
});
