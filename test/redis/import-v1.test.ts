// `restmq import-v1`: the original RestMQ layout, written with redis-cli as the original
// daemon wrote it, is moved into ours by the built CLI; running it again changes nothing,
// and a re-run after the original daemon added more moves just the new messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { redisCommand, startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { startTestServer } from '../support/server.js';

const BIN = fileURLToPath(new URL('../../bin/restmq', import.meta.url));

function cli(port: number, ...args: string[]): string {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

/** What the original daemon did on add: INCR, SET (with ttl), LPUSH, SADD, status. */
function originalAdd(port: number, queue: string, value: string, ttl?: string[]): string {
  const n = cli(port, 'INCR', `${queue}:UUID`);
  const key = `${queue}:${n}`;
  cli(port, 'SET', key, value, ...(ttl ?? []));
  cli(port, 'LPUSH', `${queue}:queue`, key);
  cli(port, 'SADD', 'QUEUESET', queue);
  return key;
}

function runImport(port: number): { status: number | null; stdout: string } {
  const out = spawnSync(process.execPath, [BIN, 'import-v1', '--redis', `redis://127.0.0.1:${port}/0`, '--redis-prefix', 'imp:'], { encoding: 'utf8' });
  return { status: out.status, stdout: out.stdout + out.stderr };
}

describe('restmq import-v1', () => {
  let redis: RedisProcess;

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('moves queues, order, keys, settings and read counts; expired values are dropped; re-runs are safe', async () => {
    const p = redis.port;
    originalAdd(p, 'genesis', 'abacab');
    originalAdd(p, 'genesis', '{"json":[1,2]}');
    cli(p, 'SET', 'genesis:2:refcount', '2');
    originalAdd(p, 'genesis', 'gone', ['PXAT', String(Date.now() - 1000)]); // already expired
    originalAdd(p, 'genesis', 'keeps ttl', ['EX', '3600']);
    cli(p, 'SET', 'queuestat::genesis', '0');
    cli(p, 'SET', 'genesis:queuepolicy', '2');
    originalAdd(p, 'other:sub', 'x1');
    originalAdd(p, 'other:sub', 'x2');
    cli(p, 'SET', 'queuestat::other:sub', '1');
    cli(p, 'SET', 'other:sub:queuepolicy', '1');
    cli(p, 'SADD', 'QUEUESET', 'bad name!');

    const first = runImport(p);
    assert.equal(first.status, 1, first.stdout); // the invalid name is reported
    assert.ok(!first.stdout.includes('\u001b') && !first.stdout.includes('\r'), 'plain lines, no bar, on a pipe');
    assert.match(first.stdout, /imported 2 queues: 5 messages moved, 1 expired dropped, 0 left in place \(number taken\), 1 invalid/);
    assert.equal(await redisCommand(p, 'EXISTS', 'genesis:1', 'genesis:2', 'genesis:2:refcount', 'genesis:queue'), 0);
    const second = runImport(p);
    assert.match(second.stdout, /imported 2 queues: 0 messages moved, 0 expired dropped, 0 left in place/);

    // The original daemon is still running: it adds one more; a re-run moves just that.
    assert.equal(originalAdd(p, 'genesis', 'late'), 'genesis:5');
    const third = runImport(p);
    assert.match(third.stdout, /imported 2 queues: 1 messages moved, 0 expired dropped/);

    const server = await startTestServer({ redisUrl: redis.url, redisPrefix: 'imp:' });
    try {
      const stats = (await (await fetch(`${server.url}/stats/genesis`)).json()) as Record<string, unknown>;
      assert.equal(stats.len, 4);
      assert.equal(stats.policy, 'roundrobin');
      assert.equal(stats.status, 'stopped');
      assert.equal(stats.published, 5);
      assert.equal(stats.oldest_key, 'genesis:1');
      const other = (await (await fetch(`${server.url}/stats/other:sub`)).json()) as Record<string, unknown>;
      assert.deepEqual([other.len, other.policy, other.status], [2, 'broadcast', 'started']);
      const list = (await (await fetch(`${server.url}/q/`, { headers: { accept: 'application/json' } })).json()) as { queues: string[] };
      assert.ok(list.queues.includes('genesis') && list.queues.includes('other:sub'));

      const popped: unknown[] = [];
      for (;;) {
        const res = await fetch(`${server.url}/q/genesis`);
        if (res.status === 204) break;
        popped.push(await res.json());
      }
      assert.deepEqual(popped, [
        { key: 'genesis:1', value: 'abacab', count: 0 },
        { key: 'genesis:2', value: '{"json":[1,2]}', count: 2 },
        { key: 'genesis:4', value: 'keeps ttl', count: 0 },
        { key: 'genesis:5', value: 'late', count: 0 },
      ]);
      const next = await fetch(`${server.url}/q/genesis`, { method: 'POST', body: new URLSearchParams({ value: 'new' }) });
      assert.equal((await next.text()).trim(), 'genesis:6');
    } finally {
      await server.stop();
    }
  });

  it('draws a progress bar per queue when stderr is a terminal (through script(1), which gives it a pty)', () => {
    const p = redis.port;
    for (let i = 1; i <= 3; i++) originalAdd(p, 'onatty', `v${i}`);
    const command = [process.execPath, BIN, 'import-v1', '--redis', `redis://127.0.0.1:${p}/0`, '--redis-prefix', 'tty:'].map((a) => `'${a}'`).join(' ');
    const out = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 20_000 });
    assert.ok(out.stdout.includes('\r\u001b[2K['), `a bar redrawn in place: ${JSON.stringify(out.stdout)}`);
    assert.match(out.stdout, /\[#+\] 100% 3\/3 messages of onatty/);
    assert.match(out.stdout, /queue onatty: moved 3 messages, dropped 0 expired/);
  });

  it('refuses to run without a Redis and explains why', () => {
    const out = spawnSync(process.execPath, [BIN, 'import-v1'], { encoding: 'utf8' });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /import-v1 needs a Redis/);
  });
});
