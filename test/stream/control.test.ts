// Flow control, purge and shutdown of streaming consumers, over real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient, untilAny } from './clients.js';
import { control, publish, queueLength, setPolicy, values } from './helpers.js';
import { waitFor } from '../support/wait.js';

describe('stream flow control and purge', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal' });
  });
  after(() => server.stop());

  const wsUrl = (path: string): string => server.url.replace('http://', 'ws://') + path;

  it('stop pauses delivery with consumers connected; start delivers the backlog', async () => {
    const queue = queueName('ctl');
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    const ws = await WsClient.open(wsUrl(`/ws/${queue}`));
    const [first] = await publish(server.url, queue, ['before']);
    await untilAny([comet, ws], () => comet.messages.length === 1 && ws.messages.length === 1, 'the first message');
    await control(server.url, queue, 'stop');
    const waiting = await publish(server.url, queue, values('paused', 5));
    // The messages wait in the queue; the consumers are still connected.
    assert.equal(await queueLength(server.url, queue), 5);
    assert.equal(server.dispatcher.consumerCount(queue), 2);
    assert.equal(comet.ended || ws.ended, false);
    assert.equal(comet.messages.length, 1);
    await control(server.url, queue, 'start');
    await untilAny([comet, ws], () => comet.messages.length === 6 && ws.messages.length === 6, 'the backlog');
    assert.deepEqual(comet.messages.map((m) => m.key), [first, ...waiting]);
    assert.deepEqual(ws.messages.map((m) => m.key), [first, ...waiting]);
    assert.equal(await queueLength(server.url, queue), 0);
    comet.close();
    ws.close();
  });

  it('a stopped roundrobin queue keeps its messages until started', async () => {
    const queue = queueName('ctlrr');
    await setPolicy(server.url, queue, 'roundrobin');
    await control(server.url, queue, 'stop');
    const a = await CometClient.open(`${server.url}/c/${queue}`);
    const b = await SseClient.open(`${server.url}/sse/${queue}`);
    const keys = await publish(server.url, queue, values('w', 4));
    assert.equal(await queueLength(server.url, queue), 4);
    await control(server.url, queue, 'start');
    await untilAny([a, b], () => a.messages.length + b.messages.length === 4, 'four messages');
    assert.deepEqual([...a.messages, ...b.messages].map((m) => m.key).sort(), [...keys].sort());
    assert.equal(a.messages.length, 2);
    a.close();
    b.close();
  });

  it('purge closes every stream of the queue (COMET silently, the others with a reason), and only of that queue', async () => {
    const queue = queueName('purge');
    const other = queueName('other');
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    const jsonp = await CometClient.open(`${server.url}/c/${queue}?callback=got`);
    const sse = await SseClient.open(`${server.url}/sse/${queue}`);
    const ws = await WsClient.open(wsUrl(`/ws/${queue}`));
    const bystander = await CometClient.open(`${server.url}/c/${other}`);
    const res = await fetch(`${server.url}/q/${queue}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    await untilAny([comet, jsonp, sse, ws], () => comet.ended && jsonp.ended && sse.ended && ws.ended, 'all streams to end');
    const reason = { error: { code: 'queue_purged', message: 'the queue was purged; this stream is closed' } };
    // COMET closes silently, as the original did: no line after the last message.
    assert.deepEqual(comet.lines, []);
    assert.deepEqual(jsonp.lines, []);
    assert.deepEqual(sse.events.at(-1), { id: undefined, event: 'close', data: JSON.stringify(reason) });
    assert.deepEqual(ws.answers.at(-1), reason);
    assert.equal(ws.closeCode, 4410);
    assert.equal(ws.closeReason, 'queue_purged');
    assert.equal(bystander.ended, false);
    const [key] = await publish(server.url, other, ['still here']);
    await bystander.until(() => bystander.messages.length === 1, 'the bystander message');
    assert.equal(bystander.messages[0]?.key, key);
    bystander.close();
  });

  it('a consumer may open a queue that does not exist yet', async () => {
    const queue = queueName('future');
    const res = await fetch(`${server.url}/stats/${queue}`);
    assert.equal(((await res.json()) as { published: number }).published, 0);
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    assert.equal(comet.status, 200);
    assert.match(comet.contentType, /^text\/plain/);
    const [key] = await publish(server.url, queue, ['born']);
    await comet.until(() => comet.messages.length === 1, 'the first message');
    assert.deepEqual(comet.messages, [{ key, value: 'born' }]);
    comet.close();
    await waitFor('the consumer to leave', () => server.dispatcher.consumerCount(queue) === 0);
  });
});

describe('stream shutdown', () => {
  it('ends every stream with a reason and leaves untaken messages in the queue', async () => {
    const server = await startTestServer({ sync: 'normal' });
    const queue = queueName('down');
    const stopped = queueName('downstop');
    const wsUrl = server.url.replace('http://', 'ws://');
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    const sse = await SseClient.open(`${server.url}/sse/${queue}`);
    const ws = await WsClient.open(`${wsUrl}/ws/${queue}`);
    const idle = await CometClient.open(`${server.url}/c/${stopped}`);
    await control(server.url, stopped, 'stop');
    const kept = await publish(server.url, stopped, values('kept', 3));
    const keys = await publish(server.url, queue, values('d', 3));
    await untilAny([comet, sse, ws], () => comet.messages.length === 3 && sse.messages.length === 3 && ws.messages.length === 3, 'delivery');
    const dataDir = server.dataDir;
    await server.close();
    await untilAny([comet, sse, ws, idle], () => comet.ended && sse.ended && ws.ended && idle.ended, 'streams to end');
    const reason = JSON.stringify({ error: { code: 'shutting_down', message: 'the server is shutting down' } });
    // COMET ends silently: its last line is its last message, and the idle one has none.
    assert.deepEqual(comet.lines, comet.messages.map((m) => JSON.stringify(m)));
    assert.deepEqual(idle.lines, []);
    assert.equal(sse.events.at(-1)?.data, reason);
    assert.equal(ws.closeCode, 1001);
    assert.deepEqual(comet.messages.map((m) => m.key), keys);
    // The stopped queue's messages were never taken: a restart finds them.
    const again = await startTestServer({ sync: 'normal', dataDir });
    try {
      assert.equal(await queueLength(again.url, stopped), 3);
      const res = await fetch(`${again.url}/q/${stopped}`);
      assert.equal(((await res.json()) as { key: string }).key, kept[0]);
    } finally {
      await again.stop();
    }
  });
});
