// The syslog input driven by util-linux `logger` over TCP (newline and octet-counted) and
// UDP, RFC 3164 and RFC 5424, on both stores; then its bounds over raw sockets: the line
// length at its edge, the connection cap and the idle timeout. Off unless --syslog-port.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isRecord, request } from '../support/http.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const QUEUE = 'syslogd:127.0.0.1';

/** Sends one message with `logger`; `args` pick the transport and format. */
async function logger(port: number, message: string, ...args: string[]): Promise<void> {
  await run('logger', ['--server', '127.0.0.1', '--port', String(port), ...args, '-t', 'rmqtest', '-p', 'local3.warning', message], { timeout: 10_000 });
}

/** Pops every message of `queue` now, parsed. */
async function drain(server: TestServer, queue: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const answer = await request(`${server.url}/q/${encodeURIComponent(queue)}`);
    if (answer.status === 204) return out;
    const body: unknown = JSON.parse(answer.text);
    assert.ok(isRecord(body) && typeof body.value === 'string', answer.text);
    const record: unknown = JSON.parse(body.value);
    assert.ok(isRecord(record));
    out.push(record);
  }
}

/** Waits until `queue` holds a message whose `message` field is `text`; answers that record. */
async function received(server: TestServer, text: string, seen: Record<string, unknown>[]): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await waitFor(`syslog message ${text}`, async () => {
      seen.push(...(await drain(server, QUEUE)));
      found = seen.find((r) => r.message === text);
      return found !== undefined;
    }, { timeoutMs: 10_000 });
  return found as Record<string, unknown>;
}

function suite(store: 'sqlite' | 'redis'): void {
  describe(`syslog input with logger (${store})`, { timeout: 60_000 }, () => {
    let redis: RedisProcess | undefined;
    let server: TestServer;
    const seen: Record<string, unknown>[] = [];
    before(async () => {
      if (store === 'redis') redis = await startRedis();
      server = await startTestServer({ syslogPort: 0, ...(redis === undefined ? {} : { redisUrl: `${redis.url}/0` }) });
    });
    after(async () => {
      await server?.stop();
      await redis?.stop();
    });

    const cases: { name: string; args: string[]; format: string }[] = [
      { name: 'TCP, RFC 3164, newline framing', args: ['--tcp', '--rfc3164'], format: 'rfc3164' },
      { name: 'TCP, RFC 5424, octet counting', args: ['--tcp', '--rfc5424', '--octet-count'], format: 'rfc5424' },
      { name: 'TCP, RFC 5424, newline framing', args: ['--tcp', '--rfc5424'], format: 'rfc5424' },
      { name: 'UDP, RFC 3164', args: ['--udp', '--rfc3164'], format: 'rfc3164' },
      { name: 'UDP, RFC 5424', args: ['--udp', '--rfc5424'], format: 'rfc5424' },
    ];
    for (const c of cases) {
      it(`queues ${c.name} into syslogd:<sender> with facility and severity decoded`, async () => {
        const port = server.syslogPort;
        assert.ok(port !== null && port > 0);
        const text = `hello ${c.name} ${Math.random().toString(36).slice(2)}`;
        await logger(port, text, ...c.args);
        const record = await received(server, text, seen);
        assert.equal(record.format, c.format);
        assert.equal(record.facility, 'local3');
        assert.equal(record.severity, 'warning');
        assert.equal(record.priority, 19 * 8 + 4);
        assert.equal(record.app, 'rmqtest');
        assert.equal(typeof record.host, 'string');
        assert.equal(typeof record.tstamp, 'string');
        assert.ok(typeof record.line === 'string' && record.line.startsWith('<156>') && record.line.endsWith(text), String(record.line));
      });
    }
  });
}

suite('sqlite');
suite('redis');

/** A raw TCP client that records whether the server closed it. */
function open(port: number): Promise<{ socket: Socket; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = connect({ host: '127.0.0.1', port }, () => resolve({ socket, closed: () => closed }));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

describe('syslog input bounds', { timeout: 60_000 }, () => {
  let server: TestServer;
  const MAX = 480;
  before(async () => {
    server = await startTestServer({ syslogPort: 0, syslogMaxLineBytes: MAX, syslogMaxConnections: 2, syslogIdleSeconds: 1 });
  });
  after(async () => {
    await server?.stop();
  });

  it('is off by default', async () => {
    const plain = await startTestServer();
    try {
      assert.equal(plain.syslogPort, null);
    } finally {
      await plain.stop();
    }
  });

  it('stops listening when the server closes', async () => {
    const own = await startTestServer({ syslogPort: 0 });
    const port = own.syslogPort ?? 0;
    const client = await open(port);
    await own.stop();
    await waitFor('the open connection to be closed', () => Promise.resolve(client.closed()), { timeoutMs: 10_000 });
    await assert.rejects(open(port), /ECONNREFUSED/);
  });

  it('takes a message of exactly the bound and closes the connection of one byte more', async () => {
    const port = server.syslogPort ?? 0;
    const body = (tag: string): string => {
      const head = `<14>${tag} `;
      return head + 'x'.repeat(MAX - head.length);
    };
    const fine = await open(port);
    fine.socket.write(`${body('edge')}\n`);
    await waitFor('the message at the bound', async () => (await drain(server, QUEUE)).some((r) => typeof r.line === 'string' && r.line.startsWith('<14>edge') && r.line.length === MAX), { timeoutMs: 10_000 });
    assert.equal(fine.closed(), false);
    fine.socket.write(`${body('over')}y\n`);
    await waitFor('the connection to close', () => Promise.resolve(fine.closed()), { timeoutMs: 10_000 });
    assert.deepEqual((await drain(server, QUEUE)).filter((r) => typeof r.line === 'string' && r.line.startsWith('<14>over')), []);
  });

  it('closes connections beyond the cap, and silent ones after the idle timeout (bound: 1 s idle, 10 s wait)', async () => {
    const port = server.syslogPort ?? 0;
    const a = await open(port);
    const b = await open(port);
    const c = await open(port);
    await waitFor('the third connection to be refused', () => Promise.resolve(c.closed()), { timeoutMs: 10_000 });
    // The two within the cap were open, and are closed once silent for a second.
    await waitFor('the idle connections to close', () => Promise.resolve(a.closed() && b.closed()), { timeoutMs: 10_000 });
  });
});
