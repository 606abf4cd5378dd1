// Resume from the broadcast history: SSE Last-Event-ID, ?since= for COMET and WebSocket.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient } from './clients.js';
import { publish, values } from './helpers.js';

describe('stream resume', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal', streamHistoryMessages: 5 });
  });
  after(() => server.stop());

  /** Publishes while `witness` is connected, so the messages are taken into the history. */
  async function streamed(queue: string, vs: string[]): Promise<string[]> {
    const witness = await CometClient.open(`${server.url}/c/${queue}`);
    const before = witness.messages.length;
    const keys = await publish(server.url, queue, vs);
    await witness.until(() => witness.messages.length === before + vs.length, 'the witness to see them');
    witness.close();
    await witness.untilEnded();
    return keys;
  }

  it('SSE with Last-Event-ID gets what it missed, then the live stream, with no repeats', async () => {
    const queue = queueName('sse');
    const sse = await SseClient.open(`${server.url}/sse/${queue}`);
    const firstKeys = await publish(server.url, queue, values('a', 2));
    await sse.until(() => sse.messages.length === 2, 'the first two');
    assert.equal(sse.retry, 3000);
    sse.close();
    await sse.untilEnded();
    const missed = await streamed(queue, values('m', 3));
    const again = await SseClient.open(`${server.url}/sse/${queue}`, { 'last-event-id': sse.events.at(-1)?.id ?? '' });
    await again.until(() => again.messages.length === 3, 'the missed messages');
    assert.deepEqual(again.events.map((e) => e.id), missed);
    const [live] = await publish(server.url, queue, ['live']);
    await again.until(() => again.messages.length === 4, 'the live message');
    assert.deepEqual(again.messages.map((m) => m.key), [...missed, live]);
    assert.deepEqual(sse.messages.map((m) => m.key), firstKeys);
    again.close();
  });

  it('COMET and WebSocket resume with ?since=<key>', async () => {
    const queue = queueName('since');
    const keys = await streamed(queue, values('s', 4));
    const comet = await CometClient.open(`${server.url}/c/${queue}?since=${keys[1] ?? ''}`);
    const ws = await WsClient.open(`${server.url.replace('http://', 'ws://')}/ws/${queue}?since=${keys[2] ?? ''}`);
    await comet.until(() => comet.messages.length === 2, 'two from the history');
    await ws.until(() => ws.messages.length === 1, 'one from the history');
    assert.deepEqual(comet.messages.map((m) => m.key), keys.slice(2));
    assert.deepEqual(ws.messages, [{ key: keys[3], value: 's-4' }]);
    comet.close();
    ws.close();
  });

  it('the history window is bounded: older messages are not replayed', async () => {
    const queue = queueName('window');
    const keys = await streamed(queue, values('w', 8));
    const comet = await CometClient.open(`${server.url}/c/${queue}?since=${keys[0] ?? ''}`);
    await comet.until(() => comet.messages.length === 5, 'the last five');
    assert.deepEqual(comet.messages.map((m) => m.key), keys.slice(3));
    comet.close();
  });

  it('purge forgets the history', async () => {
    const queue = queueName('forget');
    const keys = await streamed(queue, values('f', 2));
    const res = await fetch(`${server.url}/q/${queue}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    await res.text();
    const comet = await CometClient.open(`${server.url}/c/${queue}?since=${keys[0] ?? ''}`);
    const [next] = await publish(server.url, queue, ['after purge']);
    await comet.until(() => comet.messages.length === 1, 'the message after the purge');
    assert.deepEqual(comet.messages.map((m) => m.key), [next]);
    comet.close();
  });
});
