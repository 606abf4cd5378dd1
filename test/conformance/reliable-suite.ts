/**
 * The reliable-delivery conformance suite: leases, dead letters, delays, guarded publish
 * (dedup, max_length, defaults), peek, redrive and drop. Like store-suite.ts it talks to a
 * store through the contract only, with an explicit clock, and runs unchanged against
 * every implementation (each store's test file calls it with the same factory).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useStore } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';
import { append } from '../support/store-fill.js';

let counter = 0;
function q(): string {
  counter += 1;
  return `rel-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

const T0 = 1_800_000_000_000;
const S = 1000;

function values(...vs: string[]): { value: string; expiresAt: null }[] {
  return vs.map((value) => ({ value, expiresAt: null }));
}

let receiptCounter = 0;
function receipt(): string {
  receiptCounter += 1;
  return `receipt${receiptCounter}x${Math.random().toString(36).slice(2, 10)}`;
}

/** Registers the whole suite under `describe(name)`. */
export function runReliableConformance(name: string, factory: StoreFactory): void {
  describe(`store conformance (reliable delivery): ${name}`, () => {
    const store = useStore(factory);

    describe('leases', () => {
      it('leases the oldest ready messages, hides them, and counts attempts', async () => {
        const queue = q();
        await append(store, queue, values('a', 'b', 'c'), T0);
        const r = receipt();
        const [leased] = await store.leases.lease(queue, [r], 30 * S, T0);
        assert.equal(leased?.key, `${queue}:1`);
        assert.equal(leased?.receipt, r);
        assert.equal(leased?.attempts, 1);
        assert.equal(leased?.leaseExpiresAt, T0 + 30 * S);
        assert.equal(leased?.state, 'leased');
        const two = await store.leases.lease(queue, [receipt(), receipt()], 30 * S, T0);
        assert.deepEqual(two.map((m) => m.value), ['b', 'c']);
        assert.deepEqual(await store.leases.lease(queue, [receipt()], 30 * S, T0), []);
        assert.deepEqual(await store.messages.take(queue, 5, T0), []);
        assert.equal(await store.messages.readOldest(queue, T0), null);
      });

      it('keeps when the first lease was given, through redelivery and release', async () => {
        const queue = q();
        await append(store, queue, values('a'), T0);
        assert.equal((await store.messages.peek(queue, 1, T0))[0]?.firstLeasedAt, undefined, 'never leased');
        const r1 = receipt();
        const [first] = await store.leases.lease(queue, [r1], 10 * S, T0 + 1 * S);
        assert.equal(first?.firstLeasedAt, T0 + 1 * S);
        const [again] = await store.leases.lease(queue, [receipt()], 10 * S, T0 + 20 * S);
        assert.deepEqual([again?.attempts, again?.firstLeasedAt], [2, T0 + 1 * S], 'the redelivery keeps the first time');
        const r3 = receipt();
        assert.equal((await store.leases.release(queue, again?.seq ?? 0, again?.receipt ?? '', T0 + 21 * S, T0 + 21 * S)).kind, 'released');
        const [third] = await store.leases.lease(queue, [r3], 10 * S, T0 + 22 * S);
        assert.deepEqual([third?.attempts, third?.firstLeasedAt], [3, T0 + 1 * S]);
        assert.equal((await store.messages.peek(queue, 1, T0 + 22 * S))[0]?.firstLeasedAt, T0 + 1 * S, 'peek shows it too');
      });

      it('uses the queue default lease when none is given', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { leaseSeconds: 7 }, T0);
        await append(store, queue, values('a'), T0);
        const [leased] = await store.leases.lease(queue, [receipt()], null, T0);
        assert.equal(leased?.leaseExpiresAt, T0 + 7 * S);
      });

      it('makes an expired lease visible again in its place by key, with attempts + 1 on redelivery', async () => {
        const queue = q();
        await append(store, queue, values('a', 'b'), T0);
        const [first] = await store.leases.lease(queue, [receipt()], 10 * S, T0);
        assert.equal(first?.value, 'a');
        assert.equal((await store.leases.lease(queue, [receipt()], 10 * S, T0 + 1 * S))[0]?.value, 'b');
        // a at T0+10s expires; b (leased at +1s) still out
        const again = await store.leases.lease(queue, [receipt(), receipt()], 10 * S, T0 + 10 * S);
        assert.deepEqual(again.map((m) => [m.key, m.attempts]), [[`${queue}:1`, 2]]);
        // both expire; a comes before b again (place by key)
        const order = await store.messages.take(queue, 5, T0 + 60 * S);
        assert.deepEqual(order.map((m) => m.value), ['a', 'b']);
      });

      it('acks with the current receipt only; stale and forged receipts change nothing', async () => {
        const queue = q();
        await append(store, queue, values('a'), T0);
        const r1 = receipt();
        await store.leases.lease(queue, [r1], 10 * S, T0);
        assert.equal(await store.leases.ack(queue, 1, 'forgedreceipt123', T0 + S), 'stale');
        assert.equal(await store.leases.ack(queue, 1, r1, T0 + 10 * S), 'expired');
        // redelivered under a new receipt: the first one is stale now
        const r2 = receipt();
        assert.equal((await store.leases.lease(queue, [r2], 10 * S, T0 + 11 * S))[0]?.attempts, 2);
        assert.equal(await store.leases.ack(queue, 1, r1, T0 + 12 * S), 'stale');
        assert.equal((await store.messages.read(queue, 1, T0 + 12 * S))?.state, 'leased');
        assert.equal(await store.leases.ack(queue, 1, r2, T0 + 12 * S), 'acked');
        assert.equal(await store.leases.ack(queue, 1, r2, T0 + 12 * S), 'stale');
        assert.equal(await store.messages.read(queue, 1, T0 + 12 * S), null);
        assert.equal(await store.leases.ack(queue, 99, r2, T0), 'stale');
      });

      it('acks many in one step, in order, one outcome per entry; refused entries change nothing', async () => {
        const queue = q();
        await append(store, queue, values('a', 'b', 'c', 'd'), T0);
        const rs = [receipt(), receipt(), receipt()];
        const leased = await store.leases.lease(queue, rs, 10 * S, T0);
        assert.equal(leased.length, 3);
        const [ra, rb, rc] = rs as [string, string, string];
        const outcomes = await store.leases.ackMany(
          queue,
          [
            { seq: 1, receipt: ra },
            { seq: 2, receipt: 'forgedreceipt123' },
            { seq: 1, receipt: ra }, // twice: stale the second time
            { seq: 3, receipt: rc },
            { seq: 4, receipt: rb }, // d is ready, not leased
          ],
          T0 + S,
        );
        assert.deepEqual(outcomes, ['acked', 'stale', 'stale', 'acked', 'stale']);
        assert.equal((await store.messages.read(queue, 2, T0 + S))?.state, 'leased');
        assert.equal((await store.messages.read(queue, 4, T0 + S))?.state, 'ready');
        assert.deepEqual(await store.leases.ackMany(queue, [{ seq: 2, receipt: rb }], T0 + 10 * S), ['expired']);
        assert.deepEqual(await store.leases.ackMany(queue, [], T0), []);
        const left = await store.messages.take(queue, 10, T0 + 60 * S);
        assert.deepEqual(left.map((m) => m.value), ['b', 'd']);
      });

      it('releases now or with a delay, back in its place by key', async () => {
        const queue = q();
        await append(store, queue, values('a', 'b'), T0);
        const r = receipt();
        await store.leases.lease(queue, [r], 30 * S, T0);
        assert.deepEqual(await store.leases.release(queue, 1, 'forgedreceipt123', T0, T0), { kind: 'stale' });
        assert.deepEqual(await store.leases.release(queue, 1, r, T0 + S, T0 + S), { kind: 'released', visibleAt: T0 + S });
        assert.equal(await store.leases.ack(queue, 1, r, T0 + S), 'stale');
        const r2 = receipt();
        const [back] = await store.leases.lease(queue, [r2], 30 * S, T0 + 2 * S);
        assert.deepEqual([back?.value, back?.attempts], ['a', 2]);
        assert.deepEqual(await store.leases.release(queue, 1, r2, T0 + 20 * S, T0 + 3 * S), { kind: 'released', visibleAt: T0 + 20 * S });
        assert.equal((await store.messages.read(queue, 1, T0 + 3 * S))?.state, 'delayed');
        assert.equal(await store.messages.nextDueAt(queue, T0 + 3 * S), T0 + 20 * S);
        assert.deepEqual((await store.messages.take(queue, 5, T0 + 19 * S)).map((m) => m.value), ['b']);
        assert.deepEqual((await store.messages.take(queue, 5, T0 + 20 * S)).map((m) => m.value), ['a']);
      });

      it('extends a current lease only', async () => {
        const queue = q();
        await append(store, queue, values('a'), T0);
        const r = receipt();
        await store.leases.lease(queue, [r], 10 * S, T0);
        assert.deepEqual(await store.leases.extend(queue, 1, r, T0 + 60 * S, T0 + 5 * S), { leaseExpiresAt: T0 + 60 * S });
        assert.deepEqual(await store.leases.lease(queue, [receipt()], 10 * S, T0 + 30 * S), []);
        assert.equal(await store.leases.extend(queue, 1, 'forgedreceipt123', T0 + 90 * S, T0 + 30 * S), 'stale');
        assert.equal(await store.leases.extend(queue, 1, r, T0 + 90 * S, T0 + 60 * S), 'expired');
        assert.equal((await store.leases.lease(queue, [receipt()], 10 * S, T0 + 60 * S))[0]?.attempts, 2);
      });

      it('hands each message to exactly one of many concurrent leasers', async () => {
        const queue = q();
        await append(store, queue, values(...Array.from({ length: 40 }, (_, i) => `m${i}`)), T0);
        const results = await Promise.all(Array.from({ length: 60 }, () => store.leases.lease(queue, [receipt()], 30 * S, T0)));
        const got = results.flat().map((m) => m.value);
        assert.equal(got.length, 40);
        assert.equal(new Set(got).size, 40);
      });
    });

    describe('dead letters', () => {
      it('dead-letters exactly when the last allowed lease expires, keeping value, origin and attempts', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { maxAttempts: 2 }, T0);
        await append(store, queue, values('poison', 'fine'), T0);
        assert.equal((await store.leases.lease(queue, [receipt()], 10 * S, T0))[0]?.attempts, 1);
        const second = await store.leases.lease(queue, [receipt()], 10 * S, T0 + 10 * S);
        assert.deepEqual(second.map((m) => [m.value, m.attempts]), [['poison', 2]]);
        // the second (last) lease expires: the next read moves it to <queue>.dlq
        const next = await store.leases.lease(queue, [receipt()], 10 * S, T0 + 20 * S);
        assert.deepEqual(next.map((m) => m.value), ['fine']);
        const [dead] = await store.messages.peek(`${queue}.dlq`, 5, T0 + 20 * S);
        assert.equal(dead?.value, 'poison');
        assert.equal(dead?.key, `${queue}.dlq:1`);
        assert.deepEqual(dead?.deadLetter, { sourceKey: `${queue}:1`, attempts: 2 });
        assert.equal(await store.messages.read(queue, 1, T0 + 20 * S), null);
      });

      it('dead-letters on the release of the last attempt, to a configured queue', async () => {
        const queue = q();
        const dlq = q();
        await store.queues.updateSettings(queue, { maxAttempts: 1, deadLetter: dlq }, T0);
        await append(store, queue, values('x'), T0);
        const r = receipt();
        await store.leases.lease(queue, [r], 10 * S, T0);
        assert.deepEqual(await store.leases.release(queue, 1, r, T0, T0), { kind: 'dead_lettered', queue: dlq, key: `${dlq}:1` });
        assert.deepEqual((await store.messages.take(dlq, 5, T0)).map((m) => [m.value, m.deadLetter?.sourceKey]), [['x', `${queue}:1`]]);
      });

      it('never dead-letters with max_attempts 0', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { maxAttempts: 0 }, T0);
        await append(store, queue, values('x'), T0);
        for (let i = 0; i < 8; i++) await store.leases.lease(queue, [receipt()], S, T0 + i * S);
        const [m] = await store.leases.lease(queue, [receipt()], S, T0 + 8 * S);
        assert.equal(m?.attempts, 9);
      });

      it('redrives dead letters to the end of their source queue and leaves other messages', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { maxAttempts: 1 }, T0);
        await append(store, queue, values('d1', 'd2'), T0);
        const leased = await store.leases.lease(queue, [receipt(), receipt()], 10 * S, T0);
        for (const m of leased) await store.leases.release(queue, m.seq, m.receipt, T0, T0);
        await append(store, queue, values('later'), T0);
        const dlq = `${queue}.dlq`;
        await append(store, dlq, values('plain'), T0);
        const moved = await store.deadLetters.redrive(dlq, 1, T0);
        assert.deepEqual(moved, [{ from: `${dlq}:1`, to: `${queue}:4` }]);
        assert.deepEqual(await store.deadLetters.redrive(dlq, 10, T0), [{ from: `${dlq}:2`, to: `${queue}:5` }]);
        const back = await store.messages.take(queue, 10, T0);
        assert.deepEqual(back.map((m) => [m.value, m.attempts]), [['later', 0], ['d1', 0], ['d2', 0]]);
        assert.deepEqual((await store.messages.take(dlq, 10, T0)).map((m) => m.value), ['plain']);
      });
    });

    describe('delays and guarded publish', () => {
      it('keeps a delayed message invisible until its time and reports that time', async () => {
        const queue = q();
        await append(store, queue, [{ value: 'later', expiresAt: null, visibleAt: T0 + 5 * S }, { value: 'now', expiresAt: null }], T0);
        assert.equal(await store.messages.nextDueAt(queue, T0), T0 + 5 * S);
        assert.deepEqual((await store.messages.take(queue, 5, T0 + 4999)).map((m) => m.value), ['now']);
        assert.deepEqual((await store.messages.take(queue, 5, T0 + 5 * S)).map((m) => m.value), ['later']);
        assert.equal(await store.messages.nextDueAt(queue, T0 + 5 * S), null);
      });

      it('applies the queue default ttl and delay to entries that name none', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { ttlSeconds: 100, delaySeconds: 10 }, T0);
        const out = await store.messages.publish(queue, [{ value: 'dflt' }, { value: 'own', ttlMs: 5 * S, delayMs: 0 }], T0);
        assert.equal(out.kind, 'stored');
        const [dflt, own] = await store.messages.peek(queue, 5, T0);
        assert.deepEqual([dflt?.state, dflt?.visibleAt, dflt?.expiresAt], ['delayed', T0 + 10 * S, T0 + 100 * S]);
        assert.deepEqual([own?.state, own?.expiresAt], ['ready', T0 + 5 * S]);
      });

      it('answers the first key for a dedup repeat within the window and stores nothing', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { dedupWindowSeconds: 60 }, T0);
        const first = await store.messages.publish(queue, [{ value: 'a', dedupId: 'id-1' }], T0);
        assert.deepEqual(first, { kind: 'stored', keys: [`${queue}:1`], duplicate: [false] });
        await store.messages.take(queue, 1, T0); // still remembered after the message is gone
        const repeat = await store.messages.publish(queue, [{ value: 'a2', dedupId: 'id-1' }, { value: 'b', dedupId: 'id-2' }, { value: 'b2', dedupId: 'id-2' }], T0 + 59 * S);
        assert.deepEqual(repeat, { kind: 'stored', keys: [`${queue}:1`, `${queue}:2`, `${queue}:2`], duplicate: [true, false, true] });
        assert.deepEqual((await store.messages.peek(queue, 10, T0 + 59 * S)).map((m) => m.value), ['b']);
        const afterWindow = await store.messages.publish(queue, [{ value: 'a3', dedupId: 'id-1' }], T0 + 60 * S);
        assert.deepEqual(afterWindow, { kind: 'stored', keys: [`${queue}:3`], duplicate: [false] });
      });

      it('ignores dedup ids when the window is 0', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { dedupWindowSeconds: 0 }, T0);
        await store.messages.publish(queue, [{ value: 'a', dedupId: 'same' }], T0);
        const again = await store.messages.publish(queue, [{ value: 'a', dedupId: 'same' }], T0);
        assert.deepEqual(again, { kind: 'stored', keys: [`${queue}:2`], duplicate: [false] });
      });

      it('refuses a whole publish past max_length; leased and delayed count, expired do not', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { maxLength: 3 }, T0);
        await store.messages.publish(queue, [{ value: 'a' }, { value: 'b', delayMs: 60 * S }, { value: 'c', ttlMs: 5 * S }], T0);
        await store.leases.lease(queue, [receipt()], 30 * S, T0);
        assert.deepEqual(await store.messages.publish(queue, [{ value: 'd' }], T0 + S), { kind: 'full', length: 3 });
        assert.deepEqual(await store.messages.publish(queue, [{ value: 'd' }, { value: 'e' }], T0 + 5 * S), { kind: 'full', length: 2 });
        const stored = await store.messages.publish(queue, [{ value: 'd' }], T0 + 5 * S);
        assert.deepEqual(stored, { kind: 'stored', keys: [`${queue}:4`], duplicate: [false] });
        assert.equal((await store.messages.peek(queue, 10, T0 + 5 * S)).length, 3);
      });

      it('stores a guarded batch in one step with keys in order', async () => {
        const queue = q();
        const out = await store.messages.publish(queue, Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })), T0);
        assert.equal(out.kind, 'stored');
        if (out.kind === 'stored') assert.deepEqual(out.keys, Array.from({ length: 50 }, (_, i) => `${queue}:${i + 1}`));
      });
    });

    describe('peek, settings and drop', () => {
      it('peeks at the oldest messages in any state and reads one by key without changing them', async () => {
        const queue = q();
        await append(store, queue, values('a', 'b', 'c'), T0);
        await store.leases.lease(queue, [receipt()], 30 * S, T0);
        const peeked = await store.messages.peek(queue, 2, T0);
        assert.deepEqual(peeked.map((m) => [m.key, m.state, m.attempts, m.reads]), [[`${queue}:1`, 'leased', 1, 0], [`${queue}:2`, 'ready', 0, 0]]);
        assert.ok(!('receipt' in (peeked[0] as object)));
        assert.equal((await store.messages.read(queue, 3, T0))?.value, 'c');
        assert.equal(await store.messages.read(queue, 4, T0), null);
        assert.equal((await store.messages.take(queue, 5, T0)).length, 2);
      });

      it('stores and reports every setting', async () => {
        const queue = q();
        const patch = { leaseSeconds: 45, maxAttempts: 3, deadLetter: 'elsewhere', delaySeconds: 2, ttlSeconds: 600, maxLength: 10, dedupWindowSeconds: 30, extra: '{"k":"v"}' };
        const out = await store.queues.updateSettings(queue, patch, T0);
        assert.deepEqual(out, { policy: 'broadcast', status: 'started', ...patch });
        const back = await store.queues.updateSettings(queue, { deadLetter: null, maxLength: null, ttlSeconds: null, extra: null }, T0);
        assert.deepEqual([back.deadLetter, back.maxLength, back.ttlSeconds, back.extra], [null, null, null, null]);
      });

      it('drops a queue entirely: messages, settings, dedup memory and numbering', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { maxAttempts: 9 }, T0);
        await store.messages.publish(queue, [{ value: 'a', dedupId: 'k' }, { value: 'b' }], T0);
        await store.leases.lease(queue, [receipt()], 30 * S, T0);
        assert.equal(await store.queues.drop(queue), 2);
        assert.equal(await store.queues.stats(queue, T0), null);
        assert.ok(!(await store.queues.list()).includes(queue));
        assert.equal((await store.queues.settings(queue)).maxAttempts, 5);
        const again = await store.messages.publish(queue, [{ value: 'a', dedupId: 'k' }], T0);
        assert.deepEqual(again, { kind: 'stored', keys: [`${queue}:1`], duplicate: [false] });
        assert.equal(await store.queues.drop(q()), 0);
      });
    });
  });
}
