// The stored-value envelope that keeps attributes inside a message's value: any value and
// any attributes come back exactly (property-based with a fixed seed),
// values without attributes are stored unchanged, and text that only looks like an
// envelope is read as a plain value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeStoredValue, encodeStoredValue, groupOfStoredValue, plainMessage } from '../../src/core/stored-value.js';
import type { StoredMessage } from '../../src/core/types.js';

/** Fixed, so a failure repeats; fast-check prints the counterexample. */
const SEED = 20_261_130;

describe('stored value envelope', () => {
  it(`round-trips any value with or without attributes (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `\u0000${s}`), fc.string().map((s) => `\u0000A${s}`)), fc.option(fc.string({ minLength: 1 })), (value, attributes) => {
        const decoded = decodeStoredValue(encodeStoredValue(value, attributes));
        assert.equal(decoded.value, value);
        assert.equal(decoded.attributes, attributes);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('stores a value without attributes as itself unless it starts with NUL', () => {
    assert.equal(encodeStoredValue('plain', null), 'plain');
    assert.equal(encodeStoredValue('plain', ''), 'plain');
    assert.equal(encodeStoredValue('\u0000x', null), '\u0000A0:\u0000x');
  });

  it('reads malformed envelopes as plain values', () => {
    for (const text of ['\u0000A', '\u0000Ax:', '\u0000A99:short', '\u0000A1234567890:x', '\u0000B3:abc']) {
      assert.deepEqual(decodeStoredValue(text), { value: text, attributes: null, group: null });
    }
  });

  it(`round-trips any value, attributes and group together (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string().map((s) => `\u0000G${s}`), fc.string().map((s) => `\u0000A${s}`)),
        fc.option(fc.string({ minLength: 1 })),
        fc.option(fc.string({ minLength: 1, maxLength: 128 })),
        (value, attributes, group) => {
          const stored = encodeStoredValue(value, attributes, group);
          assert.deepEqual(decodeStoredValue(stored), { value, attributes, group });
          assert.equal(groupOfStoredValue(stored), group);
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('puts the group first, so a store reads it without decoding the rest', () => {
    assert.equal(encodeStoredValue('v', null, 'g1'), '\u0000G2:g1v');
    assert.equal(encodeStoredValue('v', '{}', 'g1'), '\u0000G2:g1\u0000A2:{}v');
    assert.equal(groupOfStoredValue('\u0000G2:g1\u0000A2:{}v'), 'g1');
    assert.equal(groupOfStoredValue('\u0000A2:{}v'), null);
    assert.equal(groupOfStoredValue('plain'), null);
    assert.equal(groupOfStoredValue('\u0000G9:g1'), null, 'a group field longer than the text is no group');
  });

  it('plainMessage leaves ordinary messages as they are and unwraps envelopes', () => {
    const base: StoredMessage = { key: 'q:1', seq: 1, value: 'v', createdAt: 0, expiresAt: null, reads: 0, attempts: 0, state: 'ready', visibleAt: 0, deadLetter: null };
    assert.equal(plainMessage(base), base);
    const wrapped = plainMessage({ ...base, value: encodeStoredValue('body', '{"a":1}') });
    assert.equal(wrapped.value, 'body');
    assert.equal(wrapped.attributes, '{"a":1}');
    const grouped = plainMessage({ ...base, value: encodeStoredValue('body', null, 'orders-7') });
    assert.equal(grouped.value, 'body');
    assert.equal(grouped.group, 'orders-7');
    assert.equal(grouped.attributes, undefined);
  });
});
