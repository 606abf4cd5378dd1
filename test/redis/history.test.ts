// The Redis broadcast history beyond the shared conformance suite: the tail every daemon
// reads (append order, start positions, clocks that disagree), the index kept in step
// with the capped stream, and takes that meet more expired messages than one call drops.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/contract.js';
import type { RedisBackend } from '../../src/store/redis/backend.js';
import { redisCommand, startRedis, openTestRedisBackend } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName } from '../support/server.js';
import { append } from '../support/store-fill.js';

const T0 = 1_800_000_000_000;
const keep = { maxMessages: 1000, maxAgeMs: 300_000 };

describe('Redis broadcast history', { timeout: 30_000 }, () => {
  let redis: RedisProcess;
  let backend: RedisBackend;
  let store: Store;

  before(async () => {
    redis = await startRedis();
    backend = await openTestRedisBackend(redis.port, 'hist:');
    store = backend.store;
  });
  after(async () => {
    await store?.close();
    await backend?.signals.close();
    await redis?.stop();
  });

  const shared = () => {
    assert.ok(store.sharedHistory, 'the Redis store offers a shared history');
    return store.sharedHistory;
  };
  const add = (queue: string, values: string[], expiresAt: number | null = null, at = T0): Promise<string[]> =>
    append(store, queue, values.map((value) => ({ value, expiresAt })), at);
  /** The highest seq in the history index, 0 when empty. */
  const tail = async (queue: string): Promise<number> => {
    const newest = await redisCommand(redis.port, 'ZREVRANGE', `hist:{${queue}}:history-index`, '0', '0', 'WITHSCORES');
    return Array.isArray(newest) && newest.length === 2 ? Number(newest[1]) : 0;
  };
  const lengths = async (queue: string): Promise<[number, number]> => [
    Number(await redisCommand(redis.port, 'XLEN', `hist:{${queue}}:history`)),
    Number(await redisCommand(redis.port, 'ZCARD', `hist:{${queue}}:history-index`)),
  ];

  it('tails in append order, so a message back under a lower key is not skipped', async () => {
    const queue = queueName('tail');
    const history = shared();
    const start = history.positionAt(T0);
    await add(queue, ['a', 'b', 'c']);
    const popped = await store.messages.take(queue, 1, T0);
    await store.streams.takeForBroadcast(queue, 10, 1_000_000, T0, keep);
    await store.streams.restore(queue, popped);
    await store.streams.takeForBroadcast(queue, 10, 1_000_000, T0 + 1, keep);
    const page = await history.after(queue, start, 10, T0 + 2);
    assert.deepEqual(page.messages.map((m) => m.seq), [2, 3, 1]);
    assert.equal(page.more, false);
    // By key for a resuming consumer; nothing past the tail's new position.
    assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0 + 2, keep)).map((m) => m.seq), [1, 2, 3]);
    assert.deepEqual((await history.after(queue, page.position, 10, T0 + 2)).messages, []);
    // Pages: a full page says more may follow.
    const first = await history.after(queue, start, 2, T0 + 2);
    assert.deepEqual([first.messages.length, first.more], [2, true]);
    assert.deepEqual((await history.after(queue, first.position, 2, T0 + 2)).messages.map((m) => m.seq), [1]);
  });

  it('starts a tail at a time: entries streamed before it are left out, those at or after it are in', async () => {
    const queue = queueName('start');
    const history = shared();
    await add(queue, ['old', 'new', 'newer']);
    await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0 + 99, keep);
    await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0 + 100, keep);
    await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0 + 100, keep);
    const page = await history.after(queue, history.positionAt(T0 + 100), 10, T0 + 100);
    assert.deepEqual(page.messages.map((m) => m.value), ['new', 'newer']);
    await assert.rejects(history.after(queue, 'not-a-position', 10, T0));
  });

  it('keeps ids increasing when a daemon with a slower clock takes after a faster one', async () => {
    const queue = queueName('clock');
    const history = shared();
    await add(queue, ['fast', 'slow']);
    await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0 + 5000, keep);
    assert.deepEqual((await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0, keep)).map((m) => m.value), ['slow']);
    const page = await history.after(queue, history.positionAt(T0 + 5000), 10, T0 + 5000);
    assert.deepEqual(page.messages.map((m) => m.value), ['fast', 'slow']);
  });

  it('keeps the index in step with the stream when trimming by count and by age', async () => {
    const queue = queueName('trim');
    const small = { maxMessages: 4, maxAgeMs: 1000 };
    await add(queue, ['1', '2', '3', '4', '5', '6']);
    await store.streams.takeForBroadcast(queue, 6, 1_000_000, T0, small);
    assert.deepEqual(await lengths(queue), [4, 4]);
    assert.equal(await tail(queue), 6);
    await add(queue, ['7']);
    await store.streams.takeForBroadcast(queue, 6, 1_000_000, T0 + 1000, small);
    // Everything streamed at T0 is 1000 ms old at T0 + 1000: only 7 stays.
    assert.deepEqual(await lengths(queue), [1, 1]);
    assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0 + 1000, small)).map((m) => m.seq), [7]);
    // A read trims too, so the history never holds what no read can return.
    assert.deepEqual(await store.streams.readHistory(queue, 0, 10, T0 + 2000, small), []);
    assert.deepEqual(await lengths(queue), [0, 0]);
    await store.messages.purge(queue);
    assert.equal(Number(await redisCommand(redis.port, 'EXISTS', `hist:{${queue}}:history`)), 0);
  });

  it('restore takes a message out of the history and its index, and leaves one the queue holds again', async () => {
    const queue = queueName('restore');
    await add(queue, ['a', 'b']);
    const taken = await store.streams.takeForBroadcast(queue, 2, 1_000_000, T0, keep);
    await store.streams.restore(queue, taken.slice(0, 1));
    assert.deepEqual(await lengths(queue), [1, 1]);
    assert.equal(await tail(queue), 2);
    // Restoring it again changes nothing: the queue already holds it.
    await store.streams.restore(queue, taken.slice(0, 1));
    assert.deepEqual((await store.messages.take(queue, 10, T0)).map((m) => m.value), ['a']);
  });

  it('goes on past more expired messages than one script call deletes', async () => {
    const queue = queueName('expired');
    await add(queue, Array.from({ length: 1500 }, (_, i) => `gone-${i}`), T0 + 1);
    await add(queue, ['fresh', 'also']);
    const taken = await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0 + 1, keep);
    assert.deepEqual(taken.map((m) => m.value), ['fresh']);
    assert.deepEqual(await lengths(queue), [1, 1]);
    assert.deepEqual((await store.messages.take(queue, 10, T0 + 1)).map((m) => m.value), ['also']);
  });
});
