/**
 * Lease receipts come from a pool of random bytes: each receipt has its own 144 bits, none
 * is handed out twice across pool refills, and a request larger than the pool is served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeReceipts } from '../../src/core/receipts.js';

describe('lease receipts', () => {
  it('are 24 base64url characters (144 bits) each', () => {
    for (const receipt of makeReceipts(10)) assert.match(receipt, /^[A-Za-z0-9_-]{24}$/);
  });

  it('never repeat across many calls, pool refills included', () => {
    const seen = new Set<string>();
    let total = 0;
    for (let i = 0; i < 400; i++) {
      for (const receipt of makeReceipts(1 + (i % 16))) {
        seen.add(receipt);
        total += 1;
      }
    }
    assert.equal(seen.size, total);
  });

  it('serves a count larger than the pool, all distinct', () => {
    const receipts = makeReceipts(2000);
    assert.equal(receipts.length, 2000);
    assert.equal(new Set(receipts).size, 2000);
  });
});
