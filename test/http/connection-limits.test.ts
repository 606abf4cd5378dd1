// Connection caps and request timeouts over real sockets: a connection past
// --max-connections or --max-connections-per-address reads 503 too_many_connections with
// Retry-After and is closed; streams and long polls count; a request whose headers or body
// arrive too slowly is cut at its timeout while long polls and streams run past it; keep-alive
// connections close when idle and after --max-requests-per-socket requests.
// Timing bounds below are generous (several times the setting) so they hold on a loaded machine.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { rawConnect, responses } from '../support/raw-socket.js';
import type { RawClient } from '../support/raw-socket.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

const HEALTH = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** A connection the server has admitted: it answered one request and stays open. */
async function admitted(port: number, localAddress?: string): Promise<RawClient> {
  const client = await rawConnect(port, localAddress);
  client.socket.write(HEALTH);
  await client.waitFor((t) => responses(t).length === 1 || client.closed(), 5000, 'an answer');
  assert.equal(responses(client.received())[0]?.status, 200, 'admitted');
  return client;
}

/** Asserts that a new connection reads the catalog's 503 with Retry-After and is closed. */
async function assertRefused(port: number, localAddress?: string): Promise<void> {
  const client = await rawConnect(port, localAddress);
  client.socket.write(HEALTH);
  await client.whenClosed;
  const [answer] = responses(client.received());
  assert.equal(answer?.status, 503);
  assert.equal(answer.headers['retry-after'], '1');
  assert.equal(answer.headers.connection, 'close');
  assert.deepEqual(JSON.parse(answer.body), { error: { code: 'too_many_connections', message: 'too many connections; retry later' } });
}

/** Polls until a new connection is admitted again (a closed one is counted out asynchronously). */
async function eventuallyAdmitted(port: number, localAddress?: string): Promise<RawClient> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const client = await rawConnect(port, localAddress);
    client.socket.write(HEALTH);
    await client.waitFor((t) => responses(t).length === 1 || client.closed(), 5000, 'an answer');
    if (responses(client.received())[0]?.status === 200) return client;
    if (Date.now() > deadline) throw new Error('no connection admitted again');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('connection caps', () => {
  describe('in total', () => {
    // A fresh server per test: connections a test closed are counted out asynchronously.
    let server: TestServer;
    beforeEach(async () => {
      server = await startTestServer({ maxConnections: 3, maxConnectionsPerAddress: 100 });
    });
    afterEach(() => server.stop());

    it('admits exactly max-connections, refuses the next with 503 and Retry-After, and admits again once one closes', async () => {
      const open = [await admitted(server.port), await admitted(server.port), await admitted(server.port)];
      await assertRefused(server.port);
      await assertRefused(server.port, '127.0.0.2'); // the total cap holds whatever the address
      open[0]?.socket.destroy();
      const again = await eventuallyAdmitted(server.port);
      for (const c of [...open, again]) c.socket.destroy();
    });

    it('counts streams and long polls as connections', async () => {
      const queue = queueName('held');
      const sse = await rawConnect(server.port);
      sse.socket.write(`GET /sse/${queue} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      await sse.waitFor((t) => t.includes('\r\n\r\n'), 5000, 'the SSE headers');
      const poll = await rawConnect(server.port);
      poll.socket.write(`GET /q/${queue}-poll?wait=20 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const idle = await admitted(server.port); // the third slot
      await assertRefused(server.port);
      assert.equal(poll.received(), '', 'the long poll is still waiting');
      assert.equal(poll.closed(), false);
      for (const c of [sse, poll, idle]) c.socket.destroy();
      (await eventuallyAdmitted(server.port)).socket.destroy();
    });
  });

  describe('per address', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ maxConnections: 100, maxConnectionsPerAddress: 2 });
    });
    after(() => server.stop());

    it('refuses a third connection from one address while another address is admitted', async () => {
      const mine = [await admitted(server.port, '127.0.0.1'), await admitted(server.port, '127.0.0.1')];
      await assertRefused(server.port, '127.0.0.1');
      const other = await admitted(server.port, '127.0.0.2');
      mine[1]?.socket.destroy();
      const again = await eventuallyAdmitted(server.port, '127.0.0.1');
      for (const c of [...mine, other, again]) c.socket.destroy();
    });
  });
});

describe('request timeouts', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ headersTimeoutMs: 500, requestTimeoutMs: 1000, keepAliveTimeoutMs: 400, maxRequestsPerSocket: 2 });
  });
  after(() => server.stop());

  it('cuts a body sent one byte at a time once the request timeout passes (408)', { timeout: 15_000 }, async () => {
    const client = await rawConnect(server.port);
    client.socket.write(`POST /q/${queueName('slow')} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n`);
    const drip = setInterval(() => client.socket.write('x'), 100);
    const took = await client.whenClosed;
    clearInterval(drip);
    assert.ok(took >= 900 && took < 5000, `closed after ${took} ms (timeout 1000 ms)`);
    assert.match(client.received(), /^HTTP\/1\.1 408 /);
  });

  it('cuts headers sent one byte at a time once the headers timeout passes', { timeout: 15_000 }, async () => {
    const client = await rawConnect(server.port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => client.socket.write('X'), 100);
    const took = await client.whenClosed;
    clearInterval(drip);
    assert.ok(took >= 400 && took < 5000, `closed after ${took} ms (timeout 500 ms)`);
  });

  it('closes a connection that never sends a request', { timeout: 15_000 }, async () => {
    const client = await rawConnect(server.port);
    const took = await client.whenClosed;
    assert.ok(took < 5000, `closed after ${took} ms`);
  });

  it('does not touch a long poll that outlasts the request timeout', async () => {
    const started = Date.now();
    const res = await fetch(`${server.url}/q/${queueName('poll')}?wait=2`);
    assert.equal(res.status, 204);
    assert.ok(Date.now() - started >= 1900, 'the long poll waited its full 2 s');
  });

  it('does not touch a stream that outlasts the request timeout', async () => {
    const queue = queueName('stream');
    const sse = await rawConnect(server.port);
    sse.socket.write(`GET /sse/${queue} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await sse.waitFor((t) => t.includes('\r\n\r\n'), 5000, 'the SSE headers');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the request timeout on purpose
    const res = await fetch(`${server.url}/q/${queue}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'still here' });
    assert.equal(res.status, 200);
    await sse.waitFor((t) => t.includes('still here'), 5000, 'the message on the stream');
    assert.equal(sse.closed(), false);
    sse.socket.destroy();
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', { timeout: 15_000 }, async () => {
    const client = await admitted(server.port);
    const took = await client.whenClosed;
    assert.ok(took < 5000, `closed after ${took} ms (keep-alive 400 ms)`);
  });

  it('serves max-requests-per-socket requests on one connection, then closes it', { timeout: 15_000 }, async () => {
    const client = await rawConnect(server.port);
    client.socket.write(HEALTH);
    await client.waitFor((t) => responses(t).length === 1, 5000, 'the first answer');
    client.socket.write(HEALTH);
    await client.whenClosed;
    const answers = responses(client.received());
    assert.equal(answers.length, 2);
    assert.notEqual(answers[0]?.headers.connection, 'close');
    assert.equal(answers[1]?.headers.connection, 'close');
  });
});
