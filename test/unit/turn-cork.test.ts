/**
 * corkPerTurn: the writes of one turn share one cork, the socket is uncorked after the
 * turn (so frames leave together, not one system call each), and a destroyed socket is
 * left alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corkPerTurn } from '../../src/http/streams/turn-cork.js';

function fakeSocket(): { calls: string[]; destroyed: boolean; cork(): void; uncork(): void } {
  const calls: string[] = [];
  return {
    calls,
    destroyed: false,
    cork: () => calls.push('cork'),
    uncork: () => calls.push('uncork'),
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('corkPerTurn', () => {
  it('corks once per turn and uncorks after it', async () => {
    const socket = fakeSocket();
    const hold = corkPerTurn(socket);
    hold();
    hold();
    hold();
    assert.deepEqual(socket.calls, ['cork']);
    await nextTurn();
    assert.deepEqual(socket.calls, ['cork', 'uncork']);
    hold();
    await nextTurn();
    assert.deepEqual(socket.calls, ['cork', 'uncork', 'cork', 'uncork']);
  });

  it('shares one cork among the promise callbacks settled together (a group commit)', async () => {
    const socket = fakeSocket();
    const hold = corkPerTurn(socket);
    await new Promise<void>((done) => {
      setImmediate(() => {
        for (let i = 0; i < 3; i++) void Promise.resolve().then(hold);
        setImmediate(done);
      });
    });
    assert.deepEqual(socket.calls, ['cork', 'uncork']);
  });

  it('leaves a destroyed socket alone', async () => {
    const socket = fakeSocket();
    const hold = corkPerTurn(socket);
    hold();
    socket.destroyed = true;
    await nextTurn();
    hold();
    assert.deepEqual(socket.calls, ['cork']);
  });
});
