// Process-level durability: the real CLI is killed with SIGKILL or stopped with SIGTERM,
// restarted on the same data dir, and every acknowledged message must come back once.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { queueName, tempDir } from '../support/server.js';
import { drain, startDaemon, spawnDaemon, freePort } from './daemon.js';
import type { Daemon } from './daemon.js';

const dirs: string[] = [];
const daemons: Daemon[] = [];

function dataDir(): string {
  const dir = tempDir('restmq-e2e-');
  dirs.push(dir);
  return dir;
}

async function start(args: readonly string[]): Promise<Daemon> {
  const daemon = await startDaemon(args);
  daemons.push(daemon);
  return daemon;
}

after(async () => {
  await Promise.all(daemons.map((d) => d.kill()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function publish(url: string, queue: string, value: string): Promise<string> {
  const res = await fetch(`${url}/q/${queue}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ value }).toString(),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text.trim();
}

/** Polls until a new connection to `url` is no longer served normally (refused or 503). */
async function waitNotServing(url: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.status === 503) return;
    } catch {
      return; // refused: the listener is closed
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} still serves new requests ${timeoutMs} ms after SIGTERM`);
}

/** A POST whose headers the server has read (it answered 100 Continue) and whose body is not sent yet. */
async function stalledPost(url: string, body: string): Promise<{ finish: () => void; response: Promise<IncomingMessage> }> {
  const req = request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      expect: '100-continue',
    },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  response.catch(() => undefined); // callers that never finish the body expect it to fail
  await new Promise<void>((resolve) => req.once('continue', resolve));
  return { finish: () => req.end(body), response };
}

describe('durability of the real daemon', () => {
  it('keeps every acknowledged POST across SIGKILL, each exactly once (sync=full)', async () => {
    const dir = dataDir();
    const queue = queueName('kill');
    const n = 300;
    const first = await start(['--data-dir', dir, '--sync', 'full']);
    const keys = await Promise.all(Array.from({ length: n }, (_, i) => publish(first.url, queue, `m-${i}`)));
    assert.equal(new Set(keys).size, n, 'every POST got its own key');
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = await start(['--data-dir', dir]);
    const popped = await drain(second.url, queue);
    assert.equal(popped.length, n, 'all acknowledged messages are back, no duplicates');
    assert.deepEqual(new Set(popped.map((m) => m.key)), new Set(keys));
    assert.deepEqual(new Set(popped.map((m) => m.value)), new Set(Array.from({ length: n }, (_, i) => `m-${i}`)));
    const seqs = popped.map((m) => Number(m.key.slice(m.key.lastIndexOf(':') + 1)));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'FIFO by key after restart');
    // Keys keep counting after a restart: no key is handed out twice.
    assert.equal(await publish(second.url, queue, 'after'), `${queue}:${n + 1}`);
    await second.kill();
  });

  it('keeps acknowledged POSTs across SIGKILL with sync=normal (a process crash, not power loss)', async () => {
    const dir = dataDir();
    const queue = queueName('normal');
    const first = await start(['--data-dir', dir, '--sync', 'normal']);
    const keys = await Promise.all(Array.from({ length: 50 }, (_, i) => publish(first.url, queue, `n-${i}`)));
    await first.kill();
    const second = await start(['--data-dir', dir]);
    assert.deepEqual((await drain(second.url, queue)).map((m) => m.key).sort(), [...keys].sort());
    await second.kill();
  });

  it('SIGTERM lets a request in flight finish, refuses new ones, exits 0, and keeps the data', async () => {
    const dir = dataDir();
    const queue = queueName('term');
    const first = await start(['--data-dir', dir]);
    const before = await publish(first.url, queue, 'before');

    // A POST whose headers reached the server (it answered 100 Continue) but whose body has not.
    const post = await stalledPost(`${first.url}/q/${queue}`, new URLSearchParams({ value: 'in-flight' }).toString());
    first.child.kill('SIGTERM');
    await waitNotServing(first.url);
    post.finish();
    const res = await post.response;
    let text = '';
    res.setEncoding('utf8');
    for await (const chunk of res) text += chunk as string;
    assert.equal(res.statusCode, 200, text);
    assert.equal(text, `${queue}:2\r\n`);
    // Answers sent while draining close their connection, so an idle keep-alive socket
    // cannot hold the shutdown open for the client's idle timeout.
    assert.equal(res.headers.connection, 'close');
    assert.equal(await first.exited, 0, first.stderr());

    const second = await start(['--data-dir', dir]);
    assert.deepEqual(await drain(second.url, queue), [
      { key: before, value: 'before' },
      { key: `${queue}:2`, value: 'in-flight' },
    ]);
    await second.kill();
  });

  it('SIGTERM gives up on a stuck request after --shutdown-timeout-ms and still exits 0', async () => {
    const dir = dataDir();
    const queue = queueName('stuck');
    const first = await start(['--data-dir', dir, '--shutdown-timeout-ms', '300']);
    const kept = await publish(first.url, queue, 'kept');
    const post = await stalledPost(`${first.url}/q/${queue}`, 'value=never');
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.stderr());
    const took = Date.now() - signalledAt;
    assert.ok(took >= 250, `waited for the request (${took} ms)`);
    assert.ok(took < 5000, `did not wait past the timeout for long (${took} ms)`);
    await assert.rejects(post.response, 'the stuck request was cut off');

    const second = await start(['--data-dir', dir]);
    assert.deepEqual(await drain(second.url, queue), [{ key: kept, value: 'kept' }]);
    await second.kill();
  });

  it('a second signal during the drain exits 1 at once', async () => {
    const dir = dataDir();
    const first = await start(['--data-dir', dir, '--shutdown-timeout-ms', '600000']);
    await stalledPost(`${first.url}/q/${queueName('twice')}`, 'value=never');
    first.child.kill('SIGTERM');
    await waitNotServing(first.url);
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 1);
  });

  it('a second daemon on the same data dir exits non-zero with a clear message', async () => {
    const dir = dataDir();
    const queue = queueName('lock');
    const owner = await start(['--data-dir', dir]);
    const key = await publish(owner.url, queue, 'owned');
    const port = await freePort();
    const intruder = spawnDaemon(['serve', '--port', String(port), '--data-dir', dir, '--log-level', 'warn'], `http://127.0.0.1:${port}`);
    daemons.push(intruder);
    const startedAt = Date.now();
    const code = await intruder.exited;
    // It fails on the lock at once rather than after a busy wait (SQLite's 5 s default).
    assert.ok(Date.now() - startedAt < 4000, `the second daemon took ${Date.now() - startedAt} ms to give up`);
    assert.equal(typeof code, 'number');
    assert.notEqual(code, 0);
    assert.match(intruder.stderr(), /data dir .* is in use by another RestMQ process/);
    // The owner is unharmed.
    assert.deepEqual(await drain(owner.url, queue), [{ key, value: 'owned' }]);
    await owner.kill();
  });
});
