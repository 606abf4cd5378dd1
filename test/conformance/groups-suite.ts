/**
 * The message-group conformance suite (SQS FIFO queues): take, lease and takeForBroadcast
 * hand out a grouped message only while its group is free (no member leased, none with a
 * lower key delayed), several of a free group per call in key order, ungrouped messages as
 * before, and look at most GROUP_LOOKAHEAD ready messages while passing busy groups (see
 * the header of src/store/contract.ts). Like the other suites it talks to a store through
 * the contract only, with an explicit clock, and runs unchanged against every store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeStoredValue, encodeStoredValue } from '../../src/core/stored-value.js';
import { GROUP_LOOKAHEAD } from '../../src/store/contract.js';
import type { Store } from '../../src/store/contract.js';
import type { StoredMessage } from '../../src/core/types.js';
import { useStore } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';

let counter = 0;
function q(): string {
  counter += 1;
  return `grp-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

const T0 = 1_800_000_000_000;
const S = 1000;
const RETENTION = { maxMessages: 1000, maxAgeMs: 300 * S };

let receiptCounter = 0;
function receipts(n: number): string[] {
  return Array.from({ length: n }, () => `receipt${(receiptCounter += 1)}x${Math.random().toString(36).slice(2, 10)}`);
}

/** One message to publish: `value@group` (or a bare value for no group), optionally delayed or with a ttl. */
type Entry = string | { readonly v: string; readonly delayMs?: number; readonly ttlMs?: number };

function entryOf(e: Entry): { value: string; delayMs: number | null; ttlMs: number | null } {
  const text = typeof e === 'string' ? e : e.v;
  const at = text.indexOf('@');
  const value = at < 0 ? text : text.slice(0, at);
  const group = at < 0 ? null : text.slice(at + 1);
  const more: { delayMs?: number; ttlMs?: number } = typeof e === 'string' ? {} : e;
  return { value: encodeStoredValue(value, null, group), delayMs: more.delayMs ?? null, ttlMs: more.ttlMs ?? null };
}

/** Publishes `entries` to `queue` at `now` in one call; answers their keys. */
async function publish(store: Store, queue: string, entries: readonly Entry[], now: number): Promise<string[]> {
  const out = await store.messages.publish(queue, entries.map(entryOf), now);
  if (out.kind !== 'stored') throw new Error(`${queue} is full`);
  return out.keys;
}

/** `value@group` (or the bare value) of stored messages, as the tests name them. */
function names(messages: readonly StoredMessage[]): string[] {
  return messages.map((m) => {
    const { value, group } = decodeStoredValue(m.value);
    return group === null ? value : `${value}@${group}`;
  });
}

/** Registers the whole suite under `describe(name)`. */
export function runGroupsConformance(name: string, factory: StoreFactory): void {
  describe(`store conformance (message groups): ${name}`, () => {
    const store = useStore(factory);

    const lease = (queue: string, n: number, now: number, leaseMs = 30 * S) => store.leases.lease(queue, receipts(n), leaseMs, now);

    describe('lease', () => {
      it('leases a group in key order, several of a free group in one call', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g', 'a3@g', 'a4@g'], T0);
        assert.deepEqual(names(await lease(queue, 3, T0)), ['a1@g', 'a2@g', 'a3@g']);
        assert.deepEqual(names(await lease(queue, 3, T0)), [], 'the rest of the group waits while members are leased');
      });

      it('a leased member blocks its group; other groups and ungrouped messages still flow', async () => {
        const queue = q();
        await publish(store, queue, ['a1@ga', 'a2@ga', 'b1@gb', 'u1', 'b2@gb', 'a3@ga', 'u2'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0)), ['a1@ga']);
        assert.deepEqual(names(await lease(queue, 10, T0)), ['b1@gb', 'u1', 'b2@gb', 'u2']);
        assert.deepEqual(names(await lease(queue, 10, T0)), []);
        const left = await store.messages.peek(queue, 10, T0);
        assert.deepEqual(left.map((m) => [names([m])[0], m.state]), [
          ['a1@ga', 'leased'], ['a2@ga', 'ready'], ['b1@gb', 'leased'], ['u1', 'leased'], ['b2@gb', 'leased'], ['a3@ga', 'ready'], ['u2', 'leased'],
        ]);
      });

      it('hands each group to exactly one of many concurrent leasers', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g', 'a3@g', 'a4@g', 'a5@g'], T0);
        const results = await Promise.all(Array.from({ length: 8 }, () => lease(queue, 1, T0)));
        assert.deepEqual(names(results.flat()), ['a1@g']);
      });

      it('frees the group when the last leased member is acked', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g', 'a3@g'], T0);
        const [m1, m2] = await lease(queue, 2, T0);
        assert.ok(m1 !== undefined && m2 !== undefined);
        assert.equal(await store.leases.ack(queue, m1.seq, m1.receipt, T0 + S), 'acked');
        assert.deepEqual(names(await lease(queue, 5, T0 + S)), [], 'a2 is still leased');
        assert.deepEqual(await store.leases.ackMany(queue, [{ seq: m2.seq, receipt: m2.receipt }], T0 + 2 * S), ['acked']);
        assert.deepEqual(names(await lease(queue, 5, T0 + 2 * S)), ['a3@g']);
      });

      it('a release puts the message back at the head of its group, and the group is free', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g', 'b1@h'], T0);
        const [m1] = await lease(queue, 1, T0);
        assert.ok(m1 !== undefined);
        assert.deepEqual(names(await lease(queue, 5, T0)), ['b1@h']);
        assert.deepEqual(await store.leases.release(queue, m1.seq, m1.receipt, T0 + S, T0 + S), { kind: 'released', visibleAt: T0 + S });
        const again = await lease(queue, 5, T0 + S);
        assert.deepEqual(names(again), ['a1@g', 'a2@g']);
        assert.deepEqual(again.map((m) => m.attempts), [2, 1]);
      });

      it('a release with a delay keeps the group busy until the delay passes, then the message comes first', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g', 'b1@h'], T0);
        const [m1] = await lease(queue, 1, T0);
        assert.ok(m1 !== undefined);
        assert.deepEqual(await store.leases.release(queue, m1.seq, m1.receipt, T0 + 20 * S, T0 + S), { kind: 'released', visibleAt: T0 + 20 * S });
        assert.deepEqual(names(await lease(queue, 5, T0 + 19 * S)), ['b1@h'], 'a2 waits behind the delayed a1');
        assert.deepEqual(names(await lease(queue, 5, T0 + 20 * S)), ['a1@g', 'a2@g']);
      });

      it('an expired lease (settled on the next call) frees the group, and its message comes back first', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g', 'a3@g'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0, 10 * S)), ['a1@g']);
        assert.deepEqual(names(await lease(queue, 5, T0 + 10 * S - 1)), []);
        const back = await lease(queue, 5, T0 + 10 * S);
        assert.deepEqual(back.map((m) => [names([m])[0], m.attempts]), [['a1@g', 2], ['a2@g', 1], ['a3@g', 1]]);
      });

      it('a delayed member with a lower key makes its group busy until the delay passes', async () => {
        const queue = q();
        await publish(store, queue, [{ v: 'a1@g', delayMs: 10 * S }, 'a2@g', 'b1@h', 'u1'], T0);
        assert.deepEqual(names(await lease(queue, 5, T0)), ['b1@h', 'u1']);
        assert.deepEqual(names(await lease(queue, 5, T0 + 10 * S - 1)), []);
        assert.deepEqual(names(await lease(queue, 5, T0 + 10 * S)), ['a1@g', 'a2@g']);
      });

      it('a delayed member holds back only the members after it', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', { v: 'a2@g', delayMs: 10 * S }, 'a3@g'], T0);
        const [m1] = await lease(queue, 5, T0);
        assert.deepEqual(names(m1 === undefined ? [] : [m1]), ['a1@g']);
        assert.deepEqual(names(await lease(queue, 5, T0)), []);
        assert.ok(m1 !== undefined);
        assert.equal(await store.leases.ack(queue, m1.seq, m1.receipt, T0 + 10 * S), 'acked');
        assert.deepEqual(names(await lease(queue, 5, T0 + 10 * S)), ['a2@g', 'a3@g']);
      });
    });

    describe('expiry', () => {
      it('expired messages neither keep their group busy nor get handed out while busy groups are passed', async () => {
        const queue = q();
        await publish(store, queue, ['b1@h', { v: 'a1@g', delayMs: 10 * S, ttlMs: 5 * S }, { v: 'x@k', ttlMs: 5 * S }, 'a2@g', 'b2@h'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0)), ['b1@h']);
        assert.deepEqual(names(await lease(queue, 5, T0 + 5 * S)), ['a2@g'], 'a1 and x have expired');
        assert.deepEqual(names(await store.messages.peek(queue, 10, T0 + 5 * S)), ['b1@h', 'a2@g', 'b2@h']);
      });
    });

    describe('answer byte budget', () => {
      it('counts only the messages handed out: the first free one always goes, passed ones do not count', async () => {
        const queue = q();
        const big = 'x'.repeat(100);
        await publish(store, queue, [`${big}@g`, `${big}@g`, `${big}@h`, `${big}@h`, 'small'], T0);
        assert.equal((await lease(queue, 1, T0)).length, 1, 'g is busy now');
        const leased = await store.leases.lease(queue, receipts(5), 30 * S, T0, 50);
        assert.deepEqual(leased.map((m) => m.seq), [3], 'the first free message goes though over 50 bytes, the next does not');
        const taken = await store.messages.take(queue, 5, T0, 10);
        assert.deepEqual(taken.map((m) => m.seq), [5], 'h is busy; the small one fits');
      });
    });

    describe('take and takeForBroadcast', () => {
      it('take skips busy groups and takes several of a free group in key order', async () => {
        const queue = q();
        await publish(store, queue, ['a1@ga', 'a2@ga', 'b1@gb', 'b2@gb', 'u1', 'a3@ga'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0)), ['a1@ga']);
        assert.deepEqual(names(await store.messages.take(queue, 10, T0)), ['b1@gb', 'b2@gb', 'u1']);
        assert.deepEqual(names(await store.messages.take(queue, 10, T0)), []);
        // a taken group member is gone, so its group stays free
        assert.deepEqual(names(await store.messages.take(queue, 10, T0 + 30 * S)), ['a1@ga', 'a2@ga', 'a3@ga']);
      });

      it('take skips a group behind a delayed member', async () => {
        const queue = q();
        await publish(store, queue, [{ v: 'a1@g', delayMs: 5 * S }, 'a2@g', 'u1'], T0);
        assert.deepEqual(names(await store.messages.take(queue, 10, T0)), ['u1']);
        assert.deepEqual(names(await store.messages.take(queue, 10, T0 + 5 * S)), ['a1@g', 'a2@g']);
      });

      it('takeForBroadcast skips busy groups', async () => {
        const queue = q();
        await publish(store, queue, ['a1@ga', 'a2@ga', 'b1@gb', 'u1', 'b2@gb'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0)), ['a1@ga']);
        const streamed = await store.streams.takeForBroadcast(queue, 10, 1_000_000, T0, RETENTION);
        assert.deepEqual(names(streamed), ['b1@gb', 'u1', 'b2@gb']);
        assert.deepEqual(names(await store.streams.takeForBroadcast(queue, 10, 1_000_000, T0, RETENTION)), []);
        const history = await store.streams.readHistory(queue, 0, 10, T0, RETENTION);
        assert.deepEqual(names(history), ['b1@gb', 'u1', 'b2@gb']);
      });

      it('messages restored after a broadcast take keep their group rules', async () => {
        const queue = q();
        await publish(store, queue, ['a1@g', 'a2@g'], T0);
        const streamed = await store.streams.takeForBroadcast(queue, 10, 1_000_000, T0, RETENTION);
        assert.deepEqual(names(streamed), ['a1@g', 'a2@g']);
        assert.deepEqual(await store.messages.take(queue, 10, T0), [], 'the queue is empty');
        await store.streams.restore(queue, streamed);
        assert.deepEqual(names(await lease(queue, 1, T0)), ['a1@g']);
        assert.deepEqual(names(await lease(queue, 5, T0)), [], 'a2 waits behind the leased a1');
      });
    });

    describe('dead letters and redrive', () => {
      it('dead-lettering the last attempt frees the group; the message keeps its group there and back', async () => {
        const queue = q();
        await store.queues.updateSettings(queue, { maxAttempts: 1 }, T0);
        await publish(store, queue, ['a1@g', 'a2@g', 'a3@g'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0, 10 * S)), ['a1@g']);
        // the lease ends: a1 moves to the dead-letter queue on this call, and g is free
        const [m2] = await lease(queue, 1, T0 + 10 * S, 10 * S);
        assert.deepEqual(names(m2 === undefined ? [] : [m2]), ['a2@g']);
        assert.ok(m2 !== undefined);
        // released on its last attempt: dead-lettered too, and g is free again
        const dead = await store.leases.release(queue, m2.seq, m2.receipt, T0 + 11 * S, T0 + 11 * S);
        assert.equal(dead.kind, 'dead_lettered');
        assert.deepEqual(names(await lease(queue, 5, T0 + 11 * S)), ['a3@g']);
        const dlq = `${queue}.dlq`;
        const letters = await store.messages.peek(dlq, 10, T0 + 11 * S);
        assert.deepEqual(names(letters), ['a1@g', 'a2@g']);
        assert.deepEqual(letters.map((m) => m.deadLetter?.sourceKey), [`${queue}:1`, `${queue}:2`]);
        assert.deepEqual(await store.deadLetters.redrive(dlq, 10, T0 + 12 * S), [
          { from: `${dlq}:1`, to: `${queue}:4` },
          { from: `${dlq}:2`, to: `${queue}:5` },
        ]);
        assert.deepEqual(names(await lease(queue, 5, T0 + 12 * S)), [], 'a3 is still leased, so the redriven members wait');
        const back = await store.messages.peek(queue, 10, T0 + 12 * S);
        assert.deepEqual(back.map((m) => decodeStoredValue(m.value)), [
          { value: 'a3', attributes: null, group: 'g' },
          { value: 'a1', attributes: null, group: 'g' },
          { value: 'a2', attributes: null, group: 'g' },
        ]);
      });

      it('a dead-letter queue applies the group rules to the letters it holds', async () => {
        const queue = q();
        const dlq = q();
        await store.queues.updateSettings(queue, { maxAttempts: 1, deadLetter: dlq }, T0);
        await publish(store, queue, ['a1@g', 'a2@g', 'b1@h'], T0);
        const leased = await lease(queue, 5, T0);
        assert.deepEqual(names(leased), ['a1@g', 'a2@g', 'b1@h']);
        for (const m of leased) await store.leases.release(queue, m.seq, m.receipt, T0, T0);
        // every letter came through dead-lettering: the new queue knows its groups all the same
        assert.deepEqual(names(await store.leases.lease(dlq, receipts(1), 30 * S, T0)), ['a1@g']);
        assert.deepEqual(names(await store.leases.lease(dlq, receipts(5), 30 * S, T0)), ['b1@h']);
      });
    });

    describe('lookahead', () => {
      /** A queue whose group g has a leased member, then `backlog` ready members of g, then one message of group h. */
      async function behindBacklog(backlog: number): Promise<string> {
        const queue = q();
        await publish(store, queue, ['first@g'], T0);
        assert.deepEqual(names(await lease(queue, 1, T0)), ['first@g']);
        const entries: Entry[] = Array.from({ length: backlog }, (_, i) => `m${i}@g`);
        entries.push('free@h');
        await publish(store, queue, entries, T0);
        return queue;
      }

      it(`${GROUP_LOOKAHEAD} ready messages of a busy group ahead hide a later free group`, async () => {
        const queue = await behindBacklog(GROUP_LOOKAHEAD);
        assert.deepEqual(names(await lease(queue, 5, T0)), []);
        assert.deepEqual(names(await store.messages.take(queue, 5, T0)), []);
        assert.deepEqual(names(await store.streams.takeForBroadcast(queue, 5, 1_000_000, T0, RETENTION)), []);
      });

      it(`${GROUP_LOOKAHEAD - 1} ready messages of a busy group ahead do not`, async () => {
        const queue = await behindBacklog(GROUP_LOOKAHEAD - 1);
        assert.deepEqual(names(await lease(queue, 5, T0)), ['free@h']);
      });
    });
  });
}
