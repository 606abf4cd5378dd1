// A consumer that stops reading: it must not delay the others, nor grow the server's memory.
// Broadcast drops it with a reason once its send buffer is full; round-robin skips it until it drains.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, WsClient, untilAny } from './clients.js';
import { publish, queueLength, setPolicy } from './helpers.js';
import { waitFor } from '../support/wait.js';

// Enough bytes (12-19 MB) to fill the kernel's socket buffers on loopback, then the server's.
const BIG = 64 * 1024;
const COUNT = 200;
const RR_BIG = 128 * 1024;
const RR_COUNT = 150;

function bigValues(prefix: string, size: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}-`.padEnd(size, 'x'));
}

/** Publishes in parallel batches; returns the keys in publication order. */
async function publishMany(url: string, queue: string, vs: string[]): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < vs.length; i += 20) {
    const batch = await Promise.all(vs.slice(i, i + 20).map((v) => publish(url, queue, [v])));
    keys.push(...batch.flat());
  }
  return keys;
}

describe('slow streaming consumers', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal', streamBufferBytes: 512 * 1024 });
  });
  after(() => server.stop());

  it('broadcast: a consumer that stops reading is dropped; the others get everything', async () => {
    const queue = queueName('slowbc');
    const fast = await CometClient.open(`${server.url}/c/${queue}`);
    const stalled = await CometClient.open(`${server.url}/c/${queue}`, {}, true);
    const fastWs = await WsClient.open(`${server.url.replace('http://', 'ws://')}/ws/${queue}`);
    assert.equal(server.dispatcher.consumerCount(queue), 3);
    const keys = await publishMany(server.url, queue, bigValues('b', BIG, COUNT));
    await untilAny([fast, fastWs], () => fast.messages.length === COUNT && fastWs.messages.length === COUNT, 'the fast consumers', 20_000).catch((err: Error) => {
      throw new Error(`${err.message}: comet ${fast.messages.length} ended ${fast.ended}, ws ${fastWs.messages.length} ended ${fastWs.ended} ${JSON.stringify(fastWs.answers)}`);
    });
    assert.deepEqual(fast.messages.map((m) => m.key), keys);
    assert.deepEqual(fastWs.messages.map((m) => m.key), keys);
    await waitFor('the stalled consumer to be dropped', () => server.dispatcher.consumerCount(queue) === 2);
    // Once it reads again, it finds a prefix of the stream and then the end of it.
    stalled.resume();
    await stalled.untilEnded(5000);
    assert.ok(stalled.messages.length < COUNT, `the stalled consumer got less than everything (${stalled.messages.length})`);
    assert.deepEqual(stalled.messages.map((m) => m.key), keys.slice(0, stalled.messages.length), 'a prefix, in order');
    fast.close();
    fastWs.close();
  });

  it('roundrobin: a consumer that stops reading is skipped until it drains; nothing is lost', async () => {
    const queue = queueName('slowrr');
    await setPolicy(server.url, queue, 'roundrobin');
    const a = await CometClient.open(`${server.url}/c/${queue}`);
    const stalled = await CometClient.open(`${server.url}/c/${queue}`, {}, true);
    const b = await CometClient.open(`${server.url}/c/${queue}`);
    const keys = await publishMany(server.url, queue, bigValues('r', RR_BIG, RR_COUNT));
    // The queue drains while the stalled consumer reads nothing: nobody waited for it.
    await waitFor('the queue to drain', async () => (await queueLength(server.url, queue)) === 0, { timeoutMs: 20_000 });
    const fastCount = (): number => a.messages.length + b.messages.length;
    await untilAny([a, b], () => fastCount() > RR_COUNT / 2, 'the fast consumers to take over');
    assert.equal(server.dispatcher.consumerCount(queue), 3, 'round-robin keeps the slow consumer connected');
    const stalledKeys = (): string[] => stalled.messages.map((m) => m.key);
    stalled.resume();
    await untilAny([a, b, stalled], () => fastCount() + stalledKeys().length === RR_COUNT, 'every message once', 10_000);
    const all = [...a.messages.map((m) => m.key), ...b.messages.map((m) => m.key), ...stalledKeys()];
    assert.deepEqual([...all].sort(), [...keys].sort(), 'each message exactly once');
    assert.ok(stalledKeys().length < a.messages.length && stalledKeys().length < b.messages.length, `the stalled consumer was skipped (${stalledKeys().length} vs ${a.messages.length} and ${b.messages.length})`);
    a.close();
    b.close();
    stalled.close();
  });
});
