// Logs do not flood: malformed WebSocket frames are client mistakes, logged at debug without
// a stack and rate-limited; a store outage writes one line when it starts and one when it
// ends (with the count of refused requests), not one per request.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { CLIENT_FAULTS_PER_WINDOW } from '../../src/http/client-faults.js';
import { startRedis } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A debug-level logger whose lines are kept, parsed, in `lines`. */
function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.length > 0) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const INFO = 30;
const WARN = 40;

/** Upgrades a raw socket to a WebSocket on `path`, sends one frame with a reserved opcode, waits for the close. */
function sendMalformedFrame(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let upgraded = false;
    socket.on('data', (data) => {
      if (!upgraded && data.toString('latin1').startsWith('HTTP/1.1 101')) {
        upgraded = true;
        socket.write(Buffer.from([0x83, 0x80, 1, 2, 3, 4])); // FIN, opcode 3 (reserved), masked, empty
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (upgraded ? resolve() : reject(new Error('no upgrade'))));
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

describe('logs do not flood', { timeout: 60_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('logs malformed WebSocket frames at debug, without stacks, at most the window budget', async () => {
    const { logger, lines } = capturingLogger();
    const server = await startTestServer({}, { logger });
    cleanups.push(() => server.stop());
    const attempts = CLIENT_FAULTS_PER_WINDOW + 15;
    // A query string may hold an access token: it never reaches the log.
    for (let i = 0; i < attempts; i++) await sendMalformedFrame(server.port, `/ws/${queueName()}?access_token=sekrit-token`);
    const loud = lines.filter((l) => l.level >= WARN);
    assert.deepEqual(loud, [], 'lines at warn or above');
    assert.ok(lines.every((l) => !JSON.stringify(l).includes('"stack"')), 'a stack trace was logged');
    const faults = lines.filter((l) => l.msg === 'websocket peer error; connection closed');
    assert.ok(faults.length >= 1, 'the first client fault is logged at debug');
    assert.ok(faults.length <= CLIENT_FAULTS_PER_WINDOW, `${faults.length} client-fault lines`);
    assert.ok(lines.every((l) => !JSON.stringify(l).includes('sekrit')), 'a query string was logged');
  });

  it('logs a Redis outage once when it starts and once when it ends, with the refused count (requests and streams)', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { logger, lines } = capturingLogger();
    const server = await startTestServer({ redisUrl: redis.url, redisTimeoutMs: 500 }, { logger });
    cleanups.push(() => server.stop());
    const q = queueName();
    assert.equal((await postForm(`${server.url}/q/${q}`, { value: 'before' })).status, 200);
    await redis.kill('SIGKILL');
    const REFUSED = 30;
    for (let i = 0; i < REFUSED / 3; i++) {
      const answers = await Promise.all([
        postForm(`${server.url}/q/${q}`, { value: `during ${i}` }),
        fetch(`${server.url}/q/${q}`),
        fetch(`${server.url}/stats/${q}`),
      ]);
      for (const res of answers) {
        assert.equal(res.status, 503);
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.deepEqual(body, { error: { code: 'store_unavailable', message: 'the store cannot be reached' } });
      }
    }
    // Streams that resume from the history fail too, and are counted, not warned about one by one.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/sse/${q}?since=${q}:1`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /store_unavailable/);
    }
    await redis.restart();
    await waitFor('readyz after restart', async () => (await fetch(`${server.url}/readyz`)).status === 200, 15_000);
    await waitFor('the outage end is logged', () => lines.some((l) => l.msg === 'store available again'), 10_000);

    const started = lines.filter((l) => l.msg?.startsWith('store unavailable') === true);
    const ended = lines.filter((l) => l.msg === 'store available again');
    assert.equal(started.length, 1, 'outage start lines');
    assert.equal(ended.length, 1, 'outage end lines');
    assert.ok(typeof ended[0]?.refused === 'number' && ended[0].refused >= REFUSED, `refused ${String(ended[0]?.refused)}`);
    assert.deepEqual(lines.filter((l) => l.level >= 50), [], 'lines at error or above');
    assert.deepEqual(lines.filter((l) => l.msg === 'request failed'), [], 'a line per refused request');
    // Debug lines (the driver's reconnect errors) may carry stacks: debug is off in production.
    const stacks = lines.filter((l) => l.level >= INFO && JSON.stringify(l).includes('"stack"'));
    assert.deepEqual(stacks, [], 'a stack trace was logged at info or above');
  });
});
