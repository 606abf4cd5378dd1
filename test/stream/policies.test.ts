// Broadcast and round-robin over real sockets: COMET, SSE and WebSocket consumers together.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient, untilAny } from './clients.js';
import type { Streamed } from './clients.js';
import { publish, queueLength, setPolicy, values } from './helpers.js';
import { waitFor } from '../support/wait.js';

describe('streaming policies', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal' });
  });
  after(() => server.stop());

  const wsUrl = (path: string): string => server.url.replace('http://', 'ws://') + path;

  it('broadcast: every COMET, SSE and WebSocket consumer gets every message once, in order', async () => {
    const queue = queueName('bc');
    const consumers = [
      await CometClient.open(`${server.url}/c/${queue}`),
      await CometClient.open(`${server.url}/c/${queue}`),
      await SseClient.open(`${server.url}/sse/${queue}`),
      await SseClient.open(`${server.url}/c/${queue}`),
      await WsClient.open(wsUrl(`/ws/${queue}`)),
      await WsClient.open(wsUrl(`/ws/${queue}`)),
    ];
    assert.equal(server.dispatcher.consumerCount(queue), 6);
    const sent = values('b', 25);
    const keys = await publish(server.url, queue, sent);
    const expected: Streamed[] = keys.map((key, i) => ({ key, value: sent[i] as string }));
    for (const c of consumers) {
      await c.until(() => c.messages.length >= expected.length, 'all broadcast messages');
    }
    for (const c of consumers) assert.deepEqual(c.messages, expected);
    assert.equal(await queueLength(server.url, queue), 0);
    // Nothing more arrives: one more message shows each got exactly the next one.
    const [extra] = await publish(server.url, queue, ['last']);
    for (const c of consumers) {
      await c.until(() => c.messages.length === expected.length + 1, 'the extra message');
      assert.equal(c.messages.at(-1)?.key, extra);
    }
    for (const c of consumers) c.close();
  });

  it('broadcast: the backlog published before anyone connected goes to the first consumer', async () => {
    const queue = queueName('backlog');
    const keys = await publish(server.url, queue, values('early', 3));
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    await comet.until(() => comet.messages.length === 3, 'the backlog');
    assert.deepEqual(comet.messages.map((m) => m.key), keys);
    comet.close();
  });

  it('roundrobin: each message goes to exactly one consumer, strictly in turn', async () => {
    const queue = queueName('rr');
    await setPolicy(server.url, queue, 'roundrobin');
    const a = await CometClient.open(`${server.url}/c/${queue}`);
    const b = await SseClient.open(`${server.url}/sse/${queue}`);
    const c = await WsClient.open(wsUrl(`/ws/${queue}`));
    const sent = values('r', 30);
    const keys = await publish(server.url, queue, sent);
    const all = [a, b, c];
    await untilAny(all, () => all.reduce((n, x) => n + x.messages.length, 0) === 30, 'all round-robin messages');
    all.forEach((consumer, j) => {
      const share = keys.filter((_, i) => i % 3 === j);
      assert.deepEqual(consumer.messages.map((m) => m.key), share, `consumer ${j} gets every third message`);
    });
    for (const x of all) x.close();
  });

  it('roundrobin: a burst is shared exactly, with no message twice', async () => {
    const queue = queueName('rrburst');
    await setPolicy(server.url, queue, 'roundrobin');
    const all = [
      await CometClient.open(`${server.url}/c/${queue}`),
      await CometClient.open(`${server.url}/c/${queue}`),
      await WsClient.open(wsUrl(`/ws/${queue}`)),
      await SseClient.open(`${server.url}/sse/${queue}`),
    ];
    const sent = values('burst', 40);
    // Concurrent publishes: many land in one commit and one dispatch.
    const keys = (await Promise.all(sent.map((v) => publish(server.url, queue, [v])))).flat();
    await untilAny(all, () => all.reduce((n, x) => n + x.messages.length, 0) === 40, 'the burst');
    for (const x of all) assert.equal(x.messages.length, 10, 'an equal share each');
    const received = all.flatMap((x) => x.messages.map((m) => m.key)).sort();
    assert.deepEqual(received, [...keys].sort());
    for (const x of all) x.close();
  });

  it('roundrobin: a consumer that leaves is skipped; the others keep their turns', async () => {
    const queue = queueName('rrleave');
    await setPolicy(server.url, queue, 'roundrobin');
    const a = await CometClient.open(`${server.url}/c/${queue}`);
    const b = await CometClient.open(`${server.url}/c/${queue}`);
    const c = await CometClient.open(`${server.url}/c/${queue}`);
    b.close();
    await b.untilEnded();
    await waitFor('consumer b to be gone', () => server.dispatcher.consumerCount(queue) === 2);
    const keys = await publish(server.url, queue, values('x', 6));
    await untilAny([a, c], () => a.messages.length + c.messages.length === 6, 'six messages');
    assert.deepEqual(a.messages.map((m) => m.key), [keys[0], keys[2], keys[4]]);
    assert.deepEqual(c.messages.map((m) => m.key), [keys[1], keys[3], keys[5]]);
    a.close();
    c.close();
  });
});
