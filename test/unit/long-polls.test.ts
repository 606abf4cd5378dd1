// LongPolls without HTTP: a message wakes one waiter, not all of them (a thousand parked
// waiters cost one or two store attempts per message), a signal arriving during an
// attempt is not lost, and a batch is spread over waiters by passing the wake on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LongPolls } from '../../src/core/long-polls.js';
import { LocalSignalBus } from '../../src/core/signals.js';

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

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('LongPolls', () => {
  it('wakes one of a thousand waiters per message, with one or two store attempts', async () => {
    const signals = new LocalSignalBus();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), now: Date.now });
    const fake = fakeQueue();
    const waits = Array.from({ length: 1000 }, () => polls.wait('q', fake.attempt, 10_000));
    await until(() => polls.waiting('q') === 1000, 'a thousand parked waiters');
    assert.equal(fake.calls, 1000, 'each tried once on arrival');
    fake.items.push('m1');
    signals.emit({ kind: 'message', queue: 'q' });
    await until(() => polls.waiting('q') === 999, 'one waiter answered');
    await until(() => fake.calls >= 1002, 'the passed-on wake to try');
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(fake.calls, 1002, 'the winner plus the one it woke; nobody else tried');
    polls.close();
    const answers = await Promise.all(waits);
    assert.deepEqual(answers.flat(), ['m1']);
    await signals.close();
  });

  it('spreads a batch over waiters by passing the wake on', async () => {
    const signals = new LocalSignalBus();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), now: Date.now });
    const fake = fakeQueue();
    const waits = Array.from({ length: 5 }, () => polls.wait('q', fake.attempt, 10_000));
    await until(() => polls.waiting('q') === 5, 'five parked waiters');
    fake.items.push('a', 'b', 'c');
    signals.emit({ kind: 'message', queue: 'q' }); // one signal for three messages
    await until(() => polls.waiting('q') === 2, 'three answered');
    polls.close();
    assert.deepEqual((await Promise.all(waits)).flat().sort(), ['a', 'b', 'c']);
    await signals.close();
  });

  it('does not lose a signal that arrives while the waiter is trying', async () => {
    const signals = new LocalSignalBus();
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), now: Date.now });
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
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(null), now: Date.now });
    const fake = fakeQueue();
    assert.deepEqual(await polls.wait('q', fake.attempt, 0), []);
    const started = Date.now();
    assert.deepEqual(await polls.wait('q', fake.attempt, 50), []);
    assert.ok(Date.now() - started >= 45);
    assert.equal(polls.waiting('q'), 0);
    await signals.close();
  });

  it('wakes a waiter at the queue\'s next due time', async () => {
    const signals = new LocalSignalBus();
    const dueAt = Date.now() + 100;
    const polls = new LongPolls({ signals, nextDueAt: () => Promise.resolve(dueAt), now: Date.now });
    const attempt = (): Promise<string[]> => Promise.resolve(Date.now() >= dueAt ? ['due'] : []);
    assert.deepEqual(await polls.wait('q', attempt, 5000), ['due']);
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
    const polls = new LongPolls({ signals, nextDueAt, now: Date.now });
    const attempt = (): Promise<string[]> => Promise.resolve(dueAt !== null && Date.now() >= dueAt ? ['due'] : []);
    const wait = polls.wait('q', attempt, 3000);
    await until(() => gate.releaseFirst !== undefined, 'the first due query');
    dueAt = Date.now() + 50; // a delayed publish lands while that query is out...
    signals.emit({ kind: 'message', queue: 'q' }); // ...and its signal finds nothing visible yet
    await until(() => polls.waiting('q') === 1, 'the waiter to park again');
    gate.releaseFirst?.();
    assert.deepEqual(await wait, ['due']);
    assert.ok(queries >= 2);
    await signals.close();
  });
});
