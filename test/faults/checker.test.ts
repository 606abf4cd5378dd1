// The fault checker must catch each anomaly it claims to; otherwise a clean fault run
// would prove nothing. Histories are built by hand here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, QueueHistory, renderResults } from './checker.js';

function history(popsDuringFaults = false): QueueHistory {
  return new QueueHistory('q', 'test', 'at-most-once', popsDuringFaults);
}

describe('fault checker', () => {
  it('passes a clean history and counts recovered indeterminate publishes', () => {
    const h = history();
    h.publish('a', 'acked', 'q:1');
    h.publish('b', 'indeterminate');
    h.publish('c', 'indeterminate');
    h.deliver('a', 'q:1');
    h.deliver('b', 'q:2');
    const r = check(h);
    assert.deepEqual(r.violations, []);
    assert.equal(r.acked, 1);
    assert.equal(r.indeterminate, 2);
    assert.equal(r.recovered, 1);
    assert.equal(r.lost, 0);
  });

  it('reports an acknowledged message never delivered as lost', () => {
    const h = history();
    h.publish('a', 'acked', 'q:1');
    h.publish('b', 'acked', 'q:2');
    h.deliver('a', 'q:1');
    const r = check(h);
    assert.equal(r.lost, 1);
    assert.equal(r.unexplainedLost, 1);
    assert.match(r.violations.join(), /1 acknowledged messages lost/);
  });

  it('excuses at most one loss per pop cut by a fault, and only when pops ran during faults', () => {
    const racing = history(true);
    const strict = history(false);
    for (const h of [racing, strict]) {
      h.publish('a', 'acked', 'q:1');
      h.publish('b', 'acked', 'q:2');
      h.publish('c', 'acked', 'q:3');
      h.indeterminatePops = 1;
    }
    const r = check(racing);
    assert.equal(r.lost, 3);
    assert.equal(r.cutPops, 1);
    assert.equal(r.unexplainedLost, 2);
    assert.equal(check(strict).unexplainedLost, 3);
  });

  it('reports deliveries of values never published, or published with a definite failure, as phantoms', () => {
    const h = history();
    h.publish('a', 'failed');
    h.deliver('a', 'q:1');
    h.deliver('zzz', 'q:2');
    const r = check(h);
    assert.equal(r.phantoms, 2);
    assert.match(r.violations.join(), /2 phantom deliveries/);
  });

  it('reports a second delivery of one value as a duplicate under at-most-once only', () => {
    const pop = history();
    const lease = new QueueHistory('q', 'test', 'at-least-once', true);
    for (const h of [pop, lease]) {
      h.publish('a', 'acked', 'q:1');
      h.deliver('a', 'q:1');
      h.deliver('a', 'q:1');
    }
    assert.equal(check(pop).duplicates, 1);
    assert.match(check(pop).violations.join(), /duplicate/);
    assert.equal(check(lease).duplicates, 1);
    assert.deepEqual(check(lease).violations, []);
  });

  it('reports one key acknowledged for two values, and a delivery under another key', () => {
    const h = history();
    h.publish('a', 'acked', 'q:1');
    h.publish('b', 'acked', 'q:1');
    h.deliver('a', 'q:1');
    h.deliver('b', 'q:7');
    assert.equal(check(h).keyConflicts, 2);
  });

  it('reports a leased message never acked nor redelivered, and a delivery after a confirmed ack', () => {
    const h = new QueueHistory('q', 'lease', 'at-least-once', true, true);
    for (const v of ['a', 'b', 'c', 'd']) h.publish(v, 'acked', `q:${v}`);
    h.deliver('a', 'q:a');
    h.ack('a', 'acked');
    h.deliver('b', 'q:b');
    h.ack('b', 'indeterminate');
    h.deliver('c', 'q:c');
    h.ack('c', 'failed');
    h.deliver('c', 'q:c');
    h.ack('c', 'acked');
    h.deliver('d', 'q:d');
    h.ack('d', 'failed');
    let r = check(h);
    assert.equal(r.unfinished, 1);
    assert.equal(r.redeliveredAfterAck, 0);
    assert.deepEqual(r.violations, ['1 leased messages never acked nor redelivered']);
    h.deliver('a', 'q:a');
    h.deliver('d', 'q:d');
    h.ack('d', 'acked');
    r = check(h);
    assert.equal(r.unfinished, 0);
    assert.equal(r.redeliveredAfterAck, 1);
    assert.equal(r.duplicates, 3);
    assert.deepEqual(r.violations, ['1 deliveries after a confirmed ack']);
  });

  it('refuses a workload that publishes one value twice', () => {
    const h = history();
    h.publish('a', 'acked', 'q:1');
    assert.throws(() => h.publish('a', 'failed'), /published twice/);
  });

  it('renders a table with a verdict per workload', () => {
    const h = history();
    h.publish('a', 'acked', 'q:1');
    const table = renderResults('title', [check(h)]);
    assert.match(table, /^title\n\n\| workload \|/);
    assert.match(table, /\| test \(at-most-once\) \| 1 \| 1 \| 0 \| 0 \| 0 \| 0 \| 1 \| 0 \| 1 \| 0 \| 0 \| 0 \| 0 \| 0 \| \*\*1 acknowledged messages lost\*\* \|/);
  });
});
