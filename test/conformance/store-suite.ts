/**
 * The store conformance suite: one set of behaviours that every Store implementation must
 * show, run unchanged against each (sqlite.test.ts, and the Redis variants). It talks to
 * the store through the contract only, with an explicit clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { append } from '../support/store-fill.js';

/** Opens a fresh, empty store; `close` releases it and anything it created. */
export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/**
 * The store of a suite: opened by `factory` in `before`, closed and cleaned up in `after`.
 * The answer forwards to the open store, so each suite writes `const store = useStore(factory);`.
 */
export function useStore(factory: StoreFactory): Store {
  let opened: Awaited<ReturnType<StoreFactory>> | undefined;
  before(async () => {
    opened = await factory();
  });
  after(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });
  return new Proxy({} as Store, {
    get(_target, key) {
      if (opened === undefined) throw new Error('the store opens in before(): use it inside a test');
      return Reflect.get(opened.store, key) as unknown;
    },
  });
}

let counter = 0;
function q(): string {
  counter += 1;
  return `conf-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

const T0 = 1_800_000_000_000;

/** Registers the whole suite under `describe(name)`. */
export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`store conformance: ${name}`, () => {
    const store = useStore(factory);

    it('numbers keys <queue>:1, 2, 3 and takes them FIFO', async () => {
      const queue = q();
      const keys = await append(store, queue, [{ value: 'a', expiresAt: null }], T0);
      const more = await append(store, queue, [{ value: 'b', expiresAt: null }, { value: 'c', expiresAt: null }], T0);
      assert.deepEqual([...keys, ...more], [`${queue}:1`, `${queue}:2`, `${queue}:3`]);
      const taken = await store.messages.take(queue, 1, T0);
      assert.equal(taken[0]?.value, 'a');
      const rest = await store.messages.take(queue, 10, T0);
      assert.deepEqual(rest.map((m) => m.value), ['b', 'c']);
      assert.deepEqual(await store.messages.take(queue, 1, T0), []);
    });

    it('keeps numbering after a purge and after the queue drains', async () => {
      const queue = q();
      await append(store, queue, [{ value: 'a', expiresAt: null }, { value: 'b', expiresAt: null }], T0);
      assert.equal(await store.messages.purge(queue), 2);
      const [key] = await append(store, queue, [{ value: 'c', expiresAt: null }], T0);
      assert.equal(key, `${queue}:3`);
      await store.messages.take(queue, 1, T0);
      const [next] = await append(store, queue, [{ value: 'd', expiresAt: null }], T0);
      assert.equal(next, `${queue}:4`);
    });

    it('never delivers a message past its expiry', async () => {
      const queue = q();
      await append(store, queue, [{ value: 'short', expiresAt: T0 + 1000 }, { value: 'long', expiresAt: null }], T0);
      assert.equal((await store.messages.readOldest(queue, T0 + 500))?.value, 'short');
      const taken = await store.messages.take(queue, 1, T0 + 1000);
      assert.equal(taken[0]?.value, 'long');
      const stats = await store.queues.stats(queue, T0 + 1000);
      assert.equal(stats?.length, 0);
    });

    it('soft reads count and do not remove', async () => {
      const queue = q();
      await append(store, queue, [{ value: 'x', expiresAt: null }], T0);
      assert.equal((await store.messages.readOldest(queue, T0))?.reads, 1);
      assert.equal((await store.messages.readOldest(queue, T0))?.reads, 2);
      const [taken] = await store.messages.take(queue, 1, T0);
      assert.equal(taken?.value, 'x');
      assert.equal(taken?.reads, 2);
      assert.equal(await store.messages.readOldest(queue, T0), null);
    });

    it('removes one message by sequence number', async () => {
      const queue = q();
      await append(store, queue, [{ value: 'a', expiresAt: null }, { value: 'b', expiresAt: null }], T0);
      assert.equal(await store.messages.remove(queue, 1), true);
      assert.equal(await store.messages.remove(queue, 1), false);
      assert.equal(await store.messages.remove(queue, 99), false);
      assert.deepEqual((await store.messages.take(queue, 5, T0)).map((m) => m.key), [`${queue}:2`]);
    });

    it('lists the newest keys first', async () => {
      const queue = q();
      await append(store, queue, ['1', '2', '3'].map((value) => ({ value, expiresAt: null })), T0);
      assert.deepEqual(await store.messages.latestKeys(queue, 2), [`${queue}:3`, `${queue}:2`]);
      assert.deepEqual(await store.messages.latestKeys(q(), 10), []);
    });

    it('keeps values byte for byte, unicode and JSON included', async () => {
      const queue = q();
      const values = ['héllo wörld ✓ 🚀', '{"a":[1,2,{"b":null}]}', ' spaced \r\n lines ', 'x'.repeat(100_000)];
      await append(store, queue, values.map((value) => ({ value, expiresAt: null })), T0);
      assert.deepEqual((await store.messages.take(queue, 10, T0)).map((m) => m.value), values);
    });

    it('reports defaults for a queue never configured, then stores settings', async () => {
      const queue = q();
      // The settings grew (reliable delivery); the policy/status behaviour checked here did not.
      assert.deepEqual(await store.queues.settings(queue), { ...DEFAULT_QUEUE_SETTINGS, policy: 'broadcast', status: 'started' });
      assert.deepEqual(await store.queues.updateSettings(queue, { policy: 'roundrobin' }, T0), {
        ...DEFAULT_QUEUE_SETTINGS,
        policy: 'roundrobin',
        status: 'started',
      });
      await store.queues.updateSettings(queue, { status: 'stopped' }, T0);
      assert.deepEqual(await store.queues.settings(queue), { ...DEFAULT_QUEUE_SETTINGS, policy: 'roundrobin', status: 'stopped' });
      assert.ok((await store.queues.list()).includes(queue));
    });

    it("keeps a transport's extra text with the settings, byte for byte, until changed, cleared or dropped", async () => {
      const queue = q();
      assert.equal((await store.queues.settings(queue)).extra, null);
      const extra = JSON.stringify({ tags: { 'té st': '✓ 🚀' }, attributes: { Policy: 'x'.repeat(20_000) } });
      assert.equal((await store.queues.updateSettings(queue, { extra }, T0)).extra, extra);
      // Other settings leave it alone, and it leaves them alone.
      const after = await store.queues.updateSettings(queue, { leaseSeconds: 7 }, T0);
      assert.deepEqual(after, { ...DEFAULT_QUEUE_SETTINGS, leaseSeconds: 7, extra });
      assert.equal((await store.queues.settings(queue)).extra, extra);
      await store.queues.updateSettings(queue, { extra: null }, T0);
      assert.equal((await store.queues.settings(queue)).extra, null);
      await store.queues.updateSettings(queue, { extra: '{}' }, T0);
      await store.queues.drop(queue);
      assert.equal((await store.queues.settings(queue)).extra, null);
    });

    it('creates queues on first message and reports stats', async () => {
      const queue = q();
      assert.equal(await store.queues.stats(queue, T0), null);
      assert.ok(!(await store.queues.list()).includes(queue));
      await append(store, queue, [{ value: 'a', expiresAt: null }, { value: 'b', expiresAt: null }], T0);
      const stats = await store.queues.stats(queue, T0 + 250);
      assert.deepEqual(stats, {
        queue,
        length: 2,
        ready: 2,
        leased: 0,
        delayed: 0,
        deadLetters: 0,
        policy: 'broadcast',
        status: 'started',
        published: 2,
        createdAt: T0,
        oldestKey: `${queue}:1`,
        oldestAgeMs: 250,
      });
      assert.ok((await store.queues.list()).includes(queue));
    });

    it('counts stats by state: ready, leased, delayed (a delayed release too) and dead letters', async () => {
      const queue = q();
      const S = 1000;
      await store.queues.updateSettings(queue, { maxAttempts: 1, deadLetter: `${queue}-dlq` }, T0);
      await append(store, queue, ['a', 'b', 'c', 'd', 'e'].map((value) => ({ value, expiresAt: null })), T0);
      await append(store, queue, [{ value: 'later', expiresAt: null, visibleAt: T0 + 3600 * S }], T0);
      const [one, two, three] = await store.leases.lease(queue, ['receipt-one-0001', 'receipt-two-0002', 'receipt-three-03'], 60 * S, T0);
      assert.ok(one !== undefined && two !== undefined && three !== undefined);
      assert.deepEqual(await store.leases.release(queue, two.seq, two.receipt, T0 + 600 * S, T0), { kind: 'dead_lettered', queue: `${queue}-dlq`, key: `${queue}-dlq:1` });
      const stats = await store.queues.stats(queue, T0 + S);
      assert.deepEqual(
        { length: stats?.length, ready: stats?.ready, leased: stats?.leased, delayed: stats?.delayed, deadLetters: stats?.deadLetters },
        { length: 5, ready: 2, leased: 2, delayed: 1, deadLetters: 0 },
      );
      const dlq = await store.queues.stats(`${queue}-dlq`, T0 + S);
      assert.deepEqual({ length: dlq?.length, ready: dlq?.ready, deadLetters: dlq?.deadLetters }, { length: 1, ready: 1, deadLetters: 1 });
      await store.queues.updateSettings(queue, { maxAttempts: 5 }, T0);
      const [four] = await store.leases.lease(queue, ['receipt-four-004'], 60 * S, T0 + S);
      assert.ok(four !== undefined);
      assert.equal((await store.leases.release(queue, four.seq, four.receipt, T0 + 600 * S, T0 + S)).kind, 'released');
      const after = await store.queues.stats(queue, T0 + 2 * S);
      assert.deepEqual([after?.ready, after?.leased, after?.delayed], [1, 2, 2]);
    });

    it('keeps queues apart, including names that share a prefix or contain colons', async () => {
      const a = q();
      const b = `${a}:sub`;
      await append(store, a, [{ value: 'in-a', expiresAt: null }], T0);
      await append(store, b, [{ value: 'in-b', expiresAt: null }], T0);
      assert.deepEqual((await store.messages.take(b, 5, T0)).map((m) => [m.key, m.value]), [[`${b}:1`, 'in-b']]);
      assert.deepEqual((await store.messages.take(a, 5, T0)).map((m) => [m.key, m.value]), [[`${a}:1`, 'in-a']]);
    });

    it('gives every concurrent append a distinct key and loses none', async () => {
      const queue = q();
      const keys = await Promise.all(
        Array.from({ length: 200 }, (_, i) => append(store, queue, [{ value: `v${i}`, expiresAt: null }], T0)),
      );
      const flat = keys.flat();
      assert.equal(new Set(flat).size, 200);
      const taken = await store.messages.take(queue, 500, T0);
      assert.equal(taken.length, 200);
      assert.deepEqual(taken.map((m) => m.seq), [...taken.map((m) => m.seq)].sort((x, y) => x - y));
    });

    it('hands each message to exactly one of many concurrent takers', async () => {
      const queue = q();
      await append(store, queue, Array.from({ length: 50 }, (_, i) => ({ value: `m${i}`, expiresAt: null })), T0);
      const results = await Promise.all(Array.from({ length: 80 }, () => store.messages.take(queue, 1, T0)));
      const got = results.flat().map((m) => m.value);
      assert.equal(got.length, 50);
      assert.equal(new Set(got).size, 50);
    });

    it('answers ping while open', async () => {
      await store.ping();
    });

    describe('streams: broadcast history', () => {
      const keep = { maxMessages: 1000, maxAgeMs: 300_000 };
      const add = (queue: string, values: string[], at = T0, expiresAt: number | null = null): Promise<string[]> =>
        append(store, queue, values.map((value) => ({ value, expiresAt })), at);

      it('takeForBroadcast moves the oldest messages from the queue into the history', async () => {
        const queue = q();
        await add(queue, ['a', 'b', 'c']);
        const taken = await store.streams.takeForBroadcast(queue, 2, 1_000_000, T0 + 1, keep);
        assert.deepEqual(taken.map((m) => [m.key, m.value]), [[`${queue}:1`, 'a'], [`${queue}:2`, 'b']]);
        assert.deepEqual((await store.messages.take(queue, 10, T0 + 1)).map((m) => m.value), ['c']);
        const history = await store.streams.readHistory(queue, 0, 10, T0 + 2, keep);
        assert.deepEqual(history.map((m) => [m.key, m.value, m.createdAt]), [[`${queue}:1`, 'a', T0], [`${queue}:2`, 'b', T0]]);
        assert.deepEqual(await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0 + 3, keep), []);
      });

      it('takeForBroadcast stops at the byte budget but always takes the oldest', async () => {
        const queue = q();
        await add(queue, ['x'.repeat(10), 'é'.repeat(5), 'z'.repeat(10), 'w']);
        // 10 + 10 bytes ('é' is two bytes in UTF-8): the third would start at 20, not under 20.
        const first = await store.streams.takeForBroadcast(queue, 10, 20, T0, keep);
        assert.deepEqual(first.map((m) => m.seq), [1, 2]);
        const big = await store.streams.takeForBroadcast(queue, 10, 1, T0, keep);
        assert.deepEqual(big.map((m) => m.seq), [3]);
      });

      it('takeForBroadcast skips expired messages', async () => {
        const queue = q();
        await add(queue, ['old'], T0, T0 + 10);
        await add(queue, ['fresh'], T0, null);
        const taken = await store.streams.takeForBroadcast(queue, 10, 1_000_000, T0 + 10, keep);
        assert.deepEqual(taken.map((m) => m.value), ['fresh']);
      });

      it('readHistory resumes after a sequence number, oldest first, within the limit', async () => {
        const queue = q();
        await add(queue, ['1', '2', '3', '4', '5']);
        await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0, keep);
        assert.deepEqual((await store.streams.readHistory(queue, 2, 10, T0, keep)).map((m) => m.seq), [3, 4, 5]);
        assert.deepEqual((await store.streams.readHistory(queue, 2, 2, T0, keep)).map((m) => m.seq), [3, 4]);
        assert.deepEqual(await store.streams.readHistory(queue, 5, 10, T0, keep), []);
        assert.deepEqual(await store.streams.readHistory(q(), 0, 10, T0, keep), []);
      });

      it('bounds the history by count and by age', async () => {
        const queue = q();
        const small = { maxMessages: 3, maxAgeMs: 1000 };
        await add(queue, ['1', '2', '3', '4', '5']);
        await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0, small);
        assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0, small)).map((m) => m.seq), [3, 4, 5]);
        await add(queue, ['6']);
        await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0 + 600, small);
        assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0 + 600, small)).map((m) => m.seq), [4, 5, 6]);
        // 1000 ms after the first batch, only the later one is young enough.
        assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0 + 1000, small)).map((m) => m.seq), [6]);
        assert.deepEqual(await store.streams.readHistory(queue, 0, 10, T0 + 1600, small), []);
      });

      it('readHistory leaves out messages past their ttl', async () => {
        const queue = q();
        await add(queue, ['short'], T0, T0 + 50);
        await add(queue, ['long'], T0, null);
        await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0, keep);
        assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0 + 50, keep)).map((m) => m.value), ['long']);
      });

      it('restore puts messages back at their keys and out of the history', async () => {
        const queue = q();
        await add(queue, ['a', 'b', 'c']);
        const taken = await store.streams.takeForBroadcast(queue, 2, 1_000_000, T0, keep);
        await store.streams.restore(queue, taken);
        assert.deepEqual(await store.streams.readHistory(queue, 0, 10, T0, keep), []);
        assert.deepEqual((await store.messages.take(queue, 10, T0)).map((m) => [m.key, m.value]), [
          [`${queue}:1`, 'a'],
          [`${queue}:2`, 'b'],
          [`${queue}:3`, 'c'],
        ]);
        // Round-robin takes go back the same way.
        await add(queue, ['d']);
        const popped = await store.messages.take(queue, 1, T0);
        await store.streams.restore(queue, popped);
        assert.deepEqual((await store.messages.take(queue, 10, T0)).map((m) => m.key), [`${queue}:4`]);
      });

      it('purge forgets the history with the messages, in one call; numbering goes on', async () => {
        const queue = q();
        await add(queue, ['a', 'b', 'c']);
        await store.streams.takeForBroadcast(queue, 2, 1_000_000, T0, keep);
        assert.equal(await store.messages.purge(queue), 1);
        assert.deepEqual(await store.streams.readHistory(queue, 0, 10, T0, keep), []);
        assert.deepEqual(await store.messages.take(queue, 10, T0), []);
        await add(queue, ['d']);
        const again = await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0, keep);
        assert.deepEqual(again.map((m) => m.key), [`${queue}:4`]);
        assert.deepEqual((await store.streams.readHistory(queue, 0, 10, T0, keep)).map((m) => m.seq), [4]);
      });

      it('purge forgets the history of one queue only', async () => {
        const a = q();
        const b = q();
        await add(a, ['a']);
        await add(b, ['b']);
        await store.streams.takeForBroadcast(a, 5, 1_000_000, T0, keep);
        await store.streams.takeForBroadcast(b, 5, 1_000_000, T0, keep);
        await store.messages.purge(a);
        assert.deepEqual(await store.streams.readHistory(a, 0, 10, T0, keep), []);
        assert.deepEqual((await store.streams.readHistory(b, 0, 10, T0, keep)).map((m) => m.value), ['b']);
      });

      it('drop forgets the history with the queue', async () => {
        const queue = q();
        await add(queue, ['a', 'b']);
        await store.streams.takeForBroadcast(queue, 1, 1_000_000, T0, keep);
        assert.equal(await store.queues.drop(queue), 1);
        assert.deepEqual(await store.streams.readHistory(queue, 0, 10, T0, keep), []);
      });
    });
  });
}
