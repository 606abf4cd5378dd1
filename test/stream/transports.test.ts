// Transport details: COMET/JSONP framing, SSE fields, heartbeats, WebSocket commands and
// pings, and the validation of every streaming parameter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient } from './clients.js';
import { publish } from './helpers.js';

async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
}

describe('streaming transports', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal', sseHeartbeatSeconds: 1, wsPingSeconds: 1 });
  });
  after(() => server.stop());

  const wsUrl = (path: string): string => server.url.replace('http://', 'ws://') + path;

  it('COMET writes one JSON object per line, CRLF-terminated, as chunked text/plain', async () => {
    const queue = queueName('frame');
    const comet = await CometClient.open(`${server.url}/c/${queue}`);
    assert.equal(comet.status, 200);
    assert.equal(comet.contentType, 'text/plain; charset=utf-8');
    const [k1, k2] = await publish(server.url, queue, ['plain', '{"a":[1,2]}']);
    await comet.until(() => comet.lines.length === 2, 'two lines');
    assert.deepEqual(comet.lines, [JSON.stringify({ key: k1, value: 'plain' }), JSON.stringify({ key: k2, value: '{"a":[1,2]}' })]);
    comet.close();
  });

  it('COMET with callback= wraps each message as callback({...});', async () => {
    const queue = queueName('jsonp');
    const comet = await CometClient.open(`${server.url}/c/${queue}?callback=app.onMessage`);
    assert.equal(comet.contentType, 'application/javascript; charset=utf-8');
    const [key] = await publish(server.url, queue, ['wrapped "quotes" </script>']);
    await comet.until(() => comet.lines.length === 1, 'one line');
    assert.equal(comet.lines[0], `app.onMessage(${JSON.stringify({ key, value: 'wrapped "quotes" </script>' })});`);
    comet.close();
    const bad = await fetch(`${server.url}/c/${queue}?callback=alert(1)`);
    assert.deepEqual(await errorOf(bad), { status: 400, code: 'invalid_callback' });
  });

  it('COMET ?heartbeat=1 writes empty lines while idle', async () => {
    const queue = queueName('beat');
    const comet = await CometClient.open(`${server.url}/c/${queue}?heartbeat=1`);
    await comet.until(() => comet.lines.length >= 2, 'two heartbeats', 4000);
    assert.deepEqual(comet.lines.slice(0, 2), ['', '']);
    const [key] = await publish(server.url, queue, ['between beats']);
    await comet.until(() => comet.messages.length === 1, 'the message');
    assert.equal(comet.messages[0]?.key, key);
    comet.close();
  });

  it('SSE on /c with Accept: text/event-stream: id, data, retry and comment heartbeats', async () => {
    const queue = queueName('sse');
    const sse = await SseClient.open(`${server.url}/c/${queue}`);
    assert.equal(sse.status, 200);
    assert.equal(sse.contentType, 'text/event-stream; charset=utf-8');
    const [key] = await publish(server.url, queue, ['line one\nline two']);
    await sse.until(() => sse.messages.length === 1, 'the event');
    assert.deepEqual(sse.events[0], { id: key, event: 'message', data: JSON.stringify({ key, value: 'line one\nline two' }) });
    assert.equal(sse.retry, 3000);
    await sse.until(() => sse.comments.includes('heartbeat'), 'a heartbeat comment', 4000);
    sse.close();
  });

  it('rejects bad streaming parameters with catalog errors before streaming', async () => {
    const q = queueName('bad');
    const cases: [string, Record<string, string>, number, string][] = [
      [`/c/${'x'.repeat(129)}`, {}, 400, 'invalid_queue_name'],
      ['/c/bad%20name', {}, 400, 'invalid_queue_name'],
      [`/sse/bad%24name`, {}, 400, 'invalid_queue_name'],
      [`/c/${q}?heartbeat=0`, {}, 400, 'invalid_heartbeat'],
      [`/c/${q}?heartbeat=301`, {}, 400, 'invalid_heartbeat'],
      [`/c/${q}?heartbeat=1.5`, {}, 400, 'invalid_heartbeat'],
      [`/sse/${q}?heartbeat=abc`, {}, 400, 'invalid_heartbeat'],
      [`/c/${q}?since=other:1`, {}, 400, 'invalid_since'],
      [`/c/${q}?since=${q}:0`, {}, 400, 'invalid_since'],
      [`/c/${q}?since=nonsense`, {}, 400, 'invalid_since'],
      [`/sse/${q}`, { 'last-event-id': 'elsewhere:3' }, 400, 'invalid_since'],
    ];
    for (const [path, headers, status, code] of cases) {
      const res = await fetch(server.url + path, { headers });
      assert.deepEqual(await errorOf(res), { status, code }, path);
    }
    // The limits themselves are accepted.
    const edge = await CometClient.open(`${server.url}/c/${'q'.repeat(128)}?heartbeat=300`);
    assert.equal(edge.status, 200);
    edge.close();
    await assert.rejects(WsClient.open(wsUrl('/ws/bad%20name')), /upgrade refused: 400 .*invalid_queue_name/);
    await assert.rejects(WsClient.open(wsUrl(`/ws/${q}?since=zzz`)), /upgrade refused: 400 .*invalid_since/);
  });

  it('WebSocket answers JSON protocol commands on the same socket, in order', async () => {
    const queue = queueName('wscmd');
    const other = queueName('wsother');
    const ws = await WsClient.open(wsUrl(`/ws/${queue}`));
    ws.send({ cmd: 'add', queue: other, value: 'one' });
    ws.send({ cmd: 'add', queue: other, value: { nested: true } });
    ws.send({ cmd: 'get', queue: other });
    ws.send({ cmd: 'take', queue: other });
    ws.send({ cmd: 'del', queue: other, key: `${other}:2` });
    ws.send({ cmd: 'take', queue: other });
    ws.send({ cmd: 42, queue: other });
    ws.send({ cmd: 'fly', queue: other });
    await ws.until(() => ws.answers.length === 8, 'eight answers');
    assert.deepEqual(ws.answers, [
      { queue: other, value: 'one', key: `${other}:1` },
      { queue: other, value: '{"nested":true}', key: `${other}:2` },
      { queue: other, value: 'one', key: `${other}:1`, count: 1 },
      { queue: other, value: 'one', key: `${other}:1` },
      { queue: other, deleted: true, key: `${other}:2` },
      { error: 'empty queue' },
      { error: 'Malformed JSON', code: 'malformed_json' },
      { error: 'null resultset: unknown command "fly"', code: 'unknown_command' },
    ]);
    // A command without a queue uses the socket's queue, and its streamed message arrives too.
    ws.send({ cmd: 'add', value: 'to myself' });
    await ws.until(() => ws.messages.length === 1 && ws.answers.length === 9, 'the add and its delivery');
    assert.deepEqual(ws.messages, [{ key: `${queue}:1`, value: 'to myself' }]);
    ws.close();
  });

  it('WebSocket: a client frame larger than the request body limit closes the socket (1009)', async () => {
    const queue = queueName('huge');
    const ws = await WsClient.open(wsUrl(`/ws/${queue}`));
    // The same bound as an HTTP body: three bytes per value byte (url-encoding) plus 64 KiB.
    const limit = DEFAULT_CONFIG.maxMessageBytes * 3 + 64 * 1024;
    ws.send('x'.repeat(limit + 1));
    await ws.untilEnded();
    assert.equal(ws.closeCode, 1009);
    const fine = await WsClient.open(wsUrl(`/ws/${queue}`));
    fine.send({ cmd: 'add', value: 'y'.repeat(1000) });
    await fine.until(() => fine.answers.length === 1, 'the answer');
    assert.equal(fine.answers[0]?.key, `${queue}:1`);
    fine.close();
  });

  it('WebSocket: the server pings, and a peer that stops answering is dropped', async () => {
    const queue = queueName('ping');
    const pings: number[] = [];
    // autoPong off: this client receives pings and never answers them.
    const silent = new WebSocket(wsUrl(`/ws/${queue}`), { autoPong: false });
    silent.on('ping', () => pings.push(Date.now()));
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      silent.once('open', resolve);
      silent.once('error', reject);
    });
    const polite = await WsClient.open(wsUrl(`/ws/${queue}`));
    const code = await closed;
    assert.ok(pings.length >= 1, 'it was pinged');
    assert.equal(code, 1006, 'terminated without a close frame');
    assert.equal(polite.ended, false, 'a peer that answers pings stays');
    const [key] = await publish(server.url, queue, ['still alive']);
    await polite.until(() => polite.messages.length === 1, 'the message');
    assert.equal(polite.messages[0]?.key, key);
    polite.close();
  });
});
