// Work that comes due with no publish to announce it reaches streaming consumers on time: a
// delayed message, a lease that ends (expired or released with a delay) and a last lease
// that expires into the dead-letter queue. Each test publishes nothing after the event it
// waits for, so only the Dispatcher's due timer (or the store's move report) can deliver.
// Queue time is a fake clock: each test checks nothing arrives 1 ms before the due time,
// then moves time until it arrives (within the due timer's slack).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient } from './clients.js';
import { publish } from './helpers.js';

/** How far past a due time (fake ms) a consumer may wait for its message. */
const LATE_MS = 100;

interface Leased {
  readonly key: string;
  readonly receipt: string;
}

describe('streaming: due work without a publish', () => {
  let server: TestServer;
  const clock = new FakeClock();
  before(async () => {
    server = await startTestServer({ sync: 'normal' }, { clock });
  });

  /** Moves time to 1 ms before `dueInMs`, checks `arrived` is still false, then on until it is true. */
  async function dueExactly(dueInMs: number, arrived: () => boolean, what: string): Promise<void> {
    await clock.advance(dueInMs - 1);
    assert.equal(arrived(), false, `${what} arrived before its time`);
    await clock.advanceUntil(arrived, what, { maxMs: LATE_MS });
  }
  after(() => server.stop());

  async function lease(queue: string, seconds: number): Promise<Leased> {
    const res = await fetch(`${server.url}/q/${queue}?lease=${seconds}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Leased;
  }

  it('a message published with delay=1 reaches a COMET consumer about a second later', async () => {
    const queue = queueName('delay');
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    const res = await postForm(`${server.url}/q/${queue}`, { value: 'later', delay: '1' });
    assert.equal(res.status, 200);
    const key = (await res.text()).trim();
    await dueExactly(1000, () => comet.messages.length === 1, 'the delayed message');
    assert.deepEqual(comet.messages, [{ key, value: 'later' }]);
    comet.close();
  });

  it('a leased message whose lease expires is streamed to an SSE consumer', async () => {
    const queue = queueName('expire');
    const [key] = await publish(server.url, queue, ['leased']);
    const leased = await lease(queue, 1);
    assert.equal(leased.key, key);
    const sse = await SseClient.open(`${server.url}/sse/${queue}`);
    await dueExactly(1000, () => sse.messages.length === 1, 'the message back from its lease');
    assert.deepEqual(sse.messages, [{ key, value: 'leased' }]);
    sse.close();
  });

  it('a message released with delay=1 is streamed once the delay passed', async () => {
    const queue = queueName('release');
    const [key] = await publish(server.url, queue, ['again']);
    const leased = await lease(queue, 30);
    const ws = await WsClient.open(`${server.url.replace('http://', 'ws://')}/ws/${queue}`);
    const released = await fetch(`${server.url}/q/${queue}/${key}/release?receipt=${leased.receipt}&delay=1`, { method: 'POST' });
    assert.equal(released.status, 200);
    await released.text();
    await dueExactly(1000, () => ws.messages.length === 1, 'the released message');
    assert.deepEqual(ws.messages, [{ key, value: 'again' }]);
    ws.close();
  });

  it('a last lease that expires moves to the dead-letter queue and reaches its stream', async () => {
    const queue = queueName('last');
    const put = await fetch(`${server.url}/q/${queue}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_attempts: 1 }),
    });
    assert.equal(put.status, 200);
    await put.text();
    const [key] = await publish(server.url, queue, ['poison']);
    await lease(queue, 1);
    // The source queue's consumer settles the expired lease (the move); the stream on the
    // dead-letter queue is woken only by the store's report of that move.
    const source = await CometClient.open(`${server.url}/c/${queue}`);
    const dead = await SseClient.open(`${server.url}/sse/${queue}.dlq`);
    await dueExactly(1000, () => dead.messages.length === 1, 'the dead letter');
    assert.deepEqual(dead.messages, [{ key: `${queue}.dlq:1`, value: 'poison' }]);
    assert.equal(source.messages.length, 0, `${key} used its last attempt`);
    source.close();
    dead.close();
  });
});
