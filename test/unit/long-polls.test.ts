// LongPolls without HTTP: a message wakes one waiter, not all of them (a thousand parked
// waiters cost one or two store attempts per message), a signal arriving during an
// attempt is not lost, and a batch is spread over waiters by passing the wake on. Time is
// a fake clock: deadlines and due times are exact, and nothing waits for real.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LongPolls } from '../../src/core/long-polls.js';
import { LocalSignalBus } from '../../src/core/signals.js';
import { FakeClock } from '../support/fake-clock.js';
import { waitFor } from '../support/wait.js';

/** A fake queue: `attempt` takes one message if there is one and counts the calls. */
function fakeQueue(): { items: string[]; calls: number; attempt: () => Promise<string[]> } {
  const q = {
    items: [] as string[],
    calls: 0,
    attempt: (): Promise<string[]> => {
      q.calls += 1;
      const item = q.items.shift();
      return Promise.resolve(item === undefined ? [] : [item]);
    },
  };
  return q;
}

describe('LongPolls', () => {
  it('wakes one of a thousand waiters per message, with one or two store attempts', async () => {
    const signals = new LocalSignalBus();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), clock: new FakeClock() });
    const fake = fakeQueue();
    const waits = Array.from({ length: 1000 }, () => polls.wait('q', fake.attempt, 10_000));
    await waitFor('a thousand parked waiters', () => polls.waiting('q') === 1000, { intervalMs: 0 });
    assert.equal(fake.calls, 1000, 'each tried once on arrival');
    fake.items.push('m1');
    signals.emit({ kind: 'message', queue: 'q' });
    await waitFor('one waiter answered', () => polls.waiting('q') === 999, { intervalMs: 0 });
    await waitFor('the passed-on wake to try', () => fake.calls >= 1002, { intervalMs: 0 });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(fake.calls, 1002, 'the winner plus the one it woke; nobody else tried');
    polls.close();
    const answers = await Promise.all(waits);
    assert.deepEqual(answers.flat(), ['m1']);
    await signals.close();
  });

  it('spreads a batch over waiters by passing the wake on', async () => {
    const signals = new LocalSignalBus();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), clock: new FakeClock() });
    const fake = fakeQueue();
    const waits = Array.from({ length: 5 }, () => polls.wait('q', fake.attempt, 10_000));
    await waitFor('five parked waiters', () => polls.waiting('q') === 5, { intervalMs: 0 });
    fake.items.push('a', 'b', 'c');
    signals.emit({ kind: 'message', queue: 'q' }); // one signal for three messages
    await waitFor('three answered', () => polls.waiting('q') === 2, { intervalMs: 0 });
    polls.close();
    assert.deepEqual((await Promise.all(waits)).flat().sort(), ['a', 'b', 'c']);
    await signals.close();
  });

  it('does not lose a signal that arrives while the waiter is trying', async () => {
    const signals = new LocalSignalBus();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), clock: new FakeClock() });
    let calls = 0;
    let item: string | null = null;
    const attempt = async (): Promise<string[]> => {
      calls += 1;
      const seen = item; // reads the queue before the publish below lands
      if (calls === 1) {
        item = 'late';
        signals.emit({ kind: 'message', queue: 'q' });
      }
      await Promise.resolve();
      if (seen === null) return [];
      item = null;
      return [seen];
    };
    assert.deepEqual(await polls.wait('q', attempt, 10_000), ['late']);
    polls.close();
    await signals.close();
  });

  it('answers [] at the deadline, and at once when wait is 0', async () => {
    const signals = new LocalSignalBus();
    const clock = new FakeClock();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), clock });
    const fake = fakeQueue();
    assert.deepEqual(await polls.wait('q', fake.attempt, 0), []);
    let answer: string[] | null = null;
    void polls.wait('q', fake.attempt, 50).then((a) => (answer = a));
    await clock.advance(49);
    assert.equal(answer, null, 'still parked 1 ms before the deadline');
    assert.equal(polls.waiting('q'), 1);
    await clock.advance(1);
    assert.deepEqual(answer, []);
    assert.equal(polls.waiting('q'), 0);
    await signals.close();
  });

  it('wakes a waiter at the queue\'s next due time', async () => {
    const signals = new LocalSignalBus();
    const clock = new FakeClock();
    const dueAt = clock.now() + 100;
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(dueAt), clock });
    const attempt = (): Promise<string[]> => Promise.resolve(clock.now() >= dueAt ? ['due'] : []);
    const wait = polls.wait('q', attempt, 5000);
    await clock.advance(99);
    assert.equal(polls.waiting('q'), 1, 'nothing due yet');
    await clock.advance(10); // the due time plus the timer's slack
    assert.deepEqual(await wait, ['due']);
    await signals.close();
  });

  it('queries the next due time again when asked while a query was under way', async () => {
    const signals = new LocalSignalBus();
    let dueAt: number | null = null;
    const gate: { releaseFirst?: () => void } = {};
    let queries = 0;
    const nextDueAt = (): Promise<number | null> => {
      queries += 1;
      if (queries === 1) {
        // the first answer is computed now (nothing due) but delivered late
        const answer = dueAt;
        return new Promise((resolve) => {
          gate.releaseFirst = () => resolve(answer);
        });
      }
      return Promise.resolve(dueAt);
    };
    const clock = new FakeClock();
    const polls = new LongPolls({ signals, nextDueAt, clock });
    const attempt = (): Promise<string[]> => Promise.resolve(dueAt !== null && clock.now() >= dueAt ? ['due'] : []);
    const wait = polls.wait('q', attempt, 3000);
    await waitFor('the first due query', () => gate.releaseFirst !== undefined, { intervalMs: 0 });
    dueAt = clock.now() + 50; // a delayed publish lands while that query is out...
    signals.emit({ kind: 'message', queue: 'q' }); // ...and its signal finds nothing visible yet
    await waitFor('the waiter to park again', () => polls.waiting('q') === 1, { intervalMs: 0 });
    gate.releaseFirst?.();
    await clock.advance(60);
    assert.deepEqual(await wait, ['due']);
    assert.ok(queries >= 2);
    await signals.close();
  });
});
