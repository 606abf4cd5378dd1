/**
 * The answer byte budget (`maxBytes` of take, lease and peek): a store stops before the
 * message that would take the values past the budget, the oldest always goes, and what
 * does not fit stays in the queue untouched (never taken, never leased). Runs unchanged
 * against every store, like the other conformance suites.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useStore } from './store-suite.js';
import type { StoreFactory } from './store-suite.js';
import { append } from '../support/store-fill.js';

const T0 = 1_800_000_000_000;

let counter = 0;
function q(): string {
  counter += 1;
  return `bytes-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

let receipts = 0;
function receiptList(n: number): string[] {
  return Array.from({ length: n }, () => `receipt${(receipts += 1)}x${Math.random().toString(36).slice(2, 10)}`);
}

/** Five messages of 100 UTF-8 bytes each (the last one in two-byte characters). */
const VALUES = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100), 'd'.repeat(100), 'é'.repeat(50)];

/** Registers the suite under `describe(name)`. */
export function runAnswerBytesConformance(name: string, factory: StoreFactory): void {
  describe(`store conformance (answer byte budget): ${name}`, () => {
    const store = useStore(factory);

    async function filled(): Promise<string> {
      const queue = q();
      await append(store, queue, VALUES.map((value) => ({ value, expiresAt: null })), T0);
      return queue;
    }

    it('take stops at the budget: exactly full fits, one byte short does not, and the rest stays', async () => {
      const queue = await filled();
      assert.equal((await store.messages.take(queue, 5, T0, 300)).length, 3, '300 bytes hold three messages of 100');
      assert.deepEqual((await store.messages.take(queue, 5, T0, 199)).map((m) => m.value.length), [100], '199 bytes hold one');
      const rest = await store.messages.take(queue, 5, T0);
      assert.deepEqual(rest.map((m) => m.key), [`${queue}:5`], 'the message that did not fit is still there');
    });

    it('take counts UTF-8 bytes, not characters', async () => {
      const queue = await filled();
      await store.messages.take(queue, 3, T0);
      // 'd' x 100 and 'é' x 50 are 200 bytes: 199 leaves the second behind.
      assert.deepEqual((await store.messages.take(queue, 5, T0, 199)).map((m) => m.key), [`${queue}:4`]);
      assert.deepEqual((await store.messages.take(queue, 5, T0, 100)).map((m) => m.key), [`${queue}:5`]);
    });

    it('the oldest message always goes, even when it alone is over the budget', async () => {
      const queue = await filled();
      assert.deepEqual((await store.messages.take(queue, 5, T0, 10)).map((m) => m.key), [`${queue}:1`]);
      assert.deepEqual((await store.leases.lease(queue, receiptList(5), 30_000, T0, 10)).map((m) => m.key), [`${queue}:2`]);
      assert.deepEqual((await store.messages.peek(queue, 5, T0, 10)).map((m) => m.key), [`${queue}:2`]);
    });

    it('lease leases only what fits; the rest stays ready for the next receiver', async () => {
      const queue = await filled();
      const leased = await store.leases.lease(queue, receiptList(5), 30_000, T0, 250);
      assert.deepEqual(leased.map((m) => m.key), [`${queue}:1`, `${queue}:2`]);
      const next = await store.messages.take(queue, 5, T0);
      assert.deepEqual(next.map((m) => m.key), [`${queue}:3`, `${queue}:4`, `${queue}:5`], 'not leased, not lost');
    });

    it('peek answers what fits and changes nothing', async () => {
      const queue = await filled();
      assert.equal((await store.messages.peek(queue, 5, T0, 499)).length, 4);
      assert.equal((await store.messages.peek(queue, 5, T0, 500)).length, 5);
      assert.equal((await store.messages.peek(queue, 5, T0)).length, 5);
      assert.equal((await store.messages.take(queue, 5, T0)).length, 5);
    });

    it('without a budget nothing changes', async () => {
      const queue = await filled();
      assert.equal((await store.messages.take(queue, 5, T0)).length, 5);
    });
  });
}
