// Pipelined HTTP requests and WebSocket commands from a peer that does not read its answers:
// the next request or command waits while the connection's unsent bytes are over
// --stream-buffer-bytes (checked before it runs), the socket is no longer read once parsed
// requests pile up, and a peer that stays full for --send-stall-timeout-ms is cut. A soft
// read (JSON `get`) counts itself on the message, so the message's count says how many
// commands actually ran. Pipelined answers keep their order.
import assert from 'node:assert/strict';
import { Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { rawConnect, responses } from '../support/raw-socket.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

const MB = 1024 * 1024;
const FLOOD = 300;
/** At most this many of FLOOD commands may run before the peer is cut: the kernel's socket
 * buffers on loopback take a few 1 MB answers before the server sees the peer as full. */
const RAN_AT_MOST = 40;

/**
 * Resolves once the server has closed `socket`, found by writing `probe` every 100 ms: a
 * peer that does not read never sees the server's FIN, but a write to a reset connection
 * fails. Rejects after `timeoutMs`.
 */
function serverClosed(socket: Socket, probe: () => void, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`the server did not close the connection within ${timeoutMs} ms`));
        return;
      }
      if (!socket.destroyed) probe();
    }, 100);
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
  });
}

async function publish(server: TestServer, queue: string, value: string): Promise<string> {
  const res = await fetch(`${server.url}/q/${queue}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: value });
  assert.equal(res.status, 200);
  return (await res.text()).trim();
}

/** How many soft reads the message has seen. */
async function readsOf(server: TestServer, queue: string, key: string): Promise<number> {
  const res = await fetch(`${server.url}/q/${queue}/${key}`);
  return ((await res.json()) as { count: number }).count;
}

describe('pipelined requests and WebSocket commands of a peer that does not read', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ streamBufferBytes: 1024, sendStallTimeoutMs: 500 });
  });
  after(() => server.stop());

  it('answers pipelined requests in order', async () => {
    const queue = queueName('order');
    const client = await rawConnect(server.port);
    const post = (v: string): string => `POST /q/${queue} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${v.length}\r\n\r\n${v}`;
    const pop = `GET /q/${queue} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    client.socket.write(post('first') + post('second') + pop + pop + pop);
    const text = await client.waitFor((t) => responses(t).length === 5, 5000, 'five answers');
    const answers = responses(text);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 204]);
    assert.deepEqual([answers[0]?.body.trim(), answers[1]?.body.trim()], [`${queue}:1`, `${queue}:2`]);
    assert.deepEqual([answers[2], answers[3]].map((a) => (JSON.parse(a?.body ?? '') as { value: string }).value), ['first', 'second']);
    client.socket.destroy();
  });

  it('runs the next pipelined request only while the answers are read, and cuts a peer that stays full', { timeout: 20_000 }, async () => {
    const queue = queueName('pipe');
    const key = await publish(server, queue, 'p'.repeat(MB));
    const client = await rawConnect(server.port);
    client.socket.pause(); // never reads
    const body = JSON.stringify({ cmd: 'get', queue });
    const one = `POST /queue HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    client.socket.write(one.repeat(FLOOD));
    const took = await serverClosed(client.socket, () => client.socket.write('G'), 15_000);
    const ran = await readsOf(server, queue, key);
    assert.ok(ran >= 1 && ran <= RAN_AT_MOST, `${ran} of ${FLOOD} requests ran`);
    assert.ok(took < 15_000, `cut after ${took} ms (stall timeout 500 ms)`);
  });

  it('cuts a peer that leaves even one answer unread, with no request waiting', { timeout: 20_000 }, async () => {
    const queue = queueName('lone');
    const key = await publish(server, queue, 'l'.repeat(MB));
    const client = await rawConnect(server.port);
    client.socket.pause(); // never reads
    client.socket.write(`GET /q/${queue}/${key} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const took = await serverClosed(client.socket, () => client.socket.write('G'), 15_000);
    assert.ok(took < 15_000, `cut after ${took} ms (stall timeout 500 ms)`);
  });

  it('does not cut a slow peer that keeps reading, however long the answer takes', { timeout: 30_000 }, async () => {
    const queue = queueName('slow-reader');
    // A stall timeout longer than the kernel's buffers take to drain at this reading pace.
    const patient = await startTestServer({ streamBufferBytes: 1024, sendStallTimeoutMs: 2500 });
    try {
      for (let i = 0; i < 4; i++) await publish(patient, queue, 's'.repeat(MB));
      const socket = connect(patient.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const started = Date.now();
      let got = 0;
      let closedAt: number | null = null;
      socket.once('close', () => {
        closedAt = Date.now();
      });
      // One chunk, then a 100 ms rest: slower than the server writes, but never stopping.
      const done = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got > 4 * MB) return resolve();
          socket.pause();
          setTimeout(() => socket.resume(), 100);
        });
        socket.once('close', () => resolve());
      });
      // A 4 MB answer (four values at the default answer limit): more than loopback buffers take.
      socket.write(`GET /q/${queue}?peek=4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      await done;
      assert.equal(closedAt, null, `cut after ${Date.now() - started} ms with ${got} bytes read`);
      assert.ok(got > 4 * MB, 'the whole answer arrived');
      assert.ok(Date.now() - started > 2500, `the answer took longer than the stall timeout to read (${Date.now() - started} ms)`);
      socket.destroy();
    } finally {
      await patient.stop();
    }
  });

  it('stops reading a socket whose pipelined requests pile up', { timeout: 20_000 }, async () => {
    const queue = queueName('pile');
    const slow = await startTestServer({ streamBufferBytes: 1024, sendStallTimeoutMs: 60_000 });
    try {
      const key = await publish(slow, queue, 'q'.repeat(64 * 1024));
      const client = await rawConnect(slow.port);
      client.socket.pause(); // never reads
      // A long poll at the head writes nothing for a while, so node's own pause (taken when
      // answers back up in the socket) never starts: only the gate stops the reading.
      const empty = queueName('empty');
      const head = `GET /q/${empty}?wait=20 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
      const wanted = `GET /q/${queue}/${key} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
      const total = Math.ceil((40 * MB) / wanted.length);
      client.socket.write(head + wanted.repeat(total));
      // The kernel's buffers on loopback take at most some MB; the server reads little more.
      let last = client.socket.writableLength;
      let stableSince = Date.now();
      const deadline = Date.now() + 10_000;
      while (Date.now() - stableSince < 1000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (client.socket.writableLength !== last) {
          last = client.socket.writableLength;
          stableSince = Date.now();
        }
      }
      assert.ok(last > 20 * MB, `${Math.round(last / MB)} MB of ${Math.round((total * wanted.length) / MB)} MB still unsent: the server stopped reading`);
      assert.equal(slow.broker.waiting(empty), 1, 'the peer was not cut: its long poll still waits');
      client.socket.destroy();
    } finally {
      await slow.stop();
    }
  });

  it('runs the next WebSocket command only while the answers are read, and cuts a peer that stays full', { timeout: 20_000 }, async () => {
    const queue = queueName('ws');
    const key = await publish(server, queue, 'w'.repeat(MB));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws/${queueName('ws-path')}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('error', () => undefined);
    const underlying: unknown = Reflect.get(ws, '_socket');
    assert.ok(underlying instanceof Socket);
    underlying.pause(); // never reads
    for (let i = 0; i < FLOOD; i++) ws.send(JSON.stringify({ cmd: 'get', queue }));
    const took = await serverClosed(underlying, () => ws.ping(), 15_000);
    const ran = await readsOf(server, queue, key);
    assert.ok(ran >= 1 && ran <= RAN_AT_MOST, `${ran} of ${FLOOD} commands ran`);
    assert.ok(took < 15_000, `cut after ${took} ms (stall timeout 500 ms)`);
  });
});
