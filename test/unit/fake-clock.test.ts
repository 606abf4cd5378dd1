// The fake clock the tests drive time with: timers fire in time order, each at its own
// time, intervals repeat, cancelled timers never fire, and time stands still otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';

describe('FakeClock', () => {
  it('fires timers in time order at their own time, repeats intervals, skips cancelled ones', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    const gone = clock.setTimeout(() => fired.push('cancelled'), 15);
    const every = clock.setInterval(() => fired.push(`i@${clock.now()}`), 8);
    gone.cancel();
    assert.equal(clock.now(), 1000);
    await clock.advance(20);
    assert.deepEqual(fired, ['i@1008', 'a@1010', 'i@1016', 'b@1020']);
    every.cancel();
    await clock.advance(100);
    assert.equal(fired.length, 4);
    assert.equal(clock.now(), 1120);
    assert.equal(clock.timers(), 0);
  });

  it('runs a timer armed by another timer within the same advance', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.now()), 5));
    }, 5);
    await clock.advance(10);
    assert.deepEqual(fired, [5, 10]);
  });
});
