// Redis outages: while Redis is down or stops answering, publishes and pops answer 503
// within the configured bound and /readyz says not ready; the daemon reconnects by
// itself. With appendfsync always, every acknowledged POST survives a SIGKILL of Redis.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const TIMEOUT_MS = 500;
/** Slack over the bound for a loaded 2-core machine. */
const SLACK_MS = 2500;

async function timed(work: () => Promise<Response>): Promise<{ res: Response; ms: number }> {
  const start = Date.now();
  const res = await work();
  return { res, ms: Date.now() - start };
}

async function expect503(label: string, work: () => Promise<Response>): Promise<void> {
  const { res, ms } = await timed(work);
  assert.equal(res.status, 503, `${label}: status`);
  const body = (await res.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'store_unavailable', label);
  assert.ok(ms < TIMEOUT_MS + SLACK_MS, `${label} took ${ms} ms`);
}

describe('Redis outages', { timeout: 60_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup(args: readonly string[] = []): Promise<{ redis: RedisProcess; server: TestServer }> {
    const redis = await startRedis({ args });
    cleanups.push(() => redis.stop());
    const server = await startTestServer({ redisUrl: redis.url, redisTimeoutMs: TIMEOUT_MS });
    cleanups.push(() => server.stop());
    return { redis, server };
  }

  it('answers 503 while redis-server is killed, and recovers after it restarts on the same port', async () => {
    const { redis, server } = await setup();
    const q = queueName();
    assert.equal((await postForm(`${server.url}/q/${q}`, { value: 'before' })).status, 200);
    await redis.kill('SIGKILL');
    await expect503('POST', () => postForm(`${server.url}/q/${q}`, { value: 'during' }));
    await expect503('GET', () => fetch(`${server.url}/q/${q}`));
    await expect503('readyz', () => fetch(`${server.url}/readyz`));
    await expect503('stats', () => fetch(`${server.url}/stats/${q}`));
    await redis.restart();
    await waitFor('readyz after restart', async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
    const posted = await postForm(`${server.url}/q/${q}`, { value: 'after' });
    assert.equal(posted.status, 200);
    // Without persistence the restarted Redis is empty: numbering starts again at 1.
    assert.equal((await posted.text()).trim(), `${q}:1`);
    const popped = (await (await fetch(`${server.url}/q/${q}`)).json()) as { value: string };
    assert.equal(popped.value, 'after');
    assert.ok((await (await fetch(`${server.url}/q/`, { headers: { accept: 'application/json' } })).json() as { queues: string[] }).queues.includes(q));
  });

  it('answers 503 within the bound while Redis hangs (SIGSTOP), and serves again after SIGCONT', async () => {
    const { redis, server } = await setup();
    const q = queueName();
    assert.equal((await postForm(`${server.url}/q/${q}`, { value: 'one' })).status, 200);
    redis.pause();
    try {
      await expect503('GET while hung', () => fetch(`${server.url}/q/${q}`));
      await expect503('readyz while hung', () => fetch(`${server.url}/readyz`));
    } finally {
      redis.resume();
    }
    await waitFor('readyz after SIGCONT', async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
    // The pop that timed out may or may not have run in Redis: it answered 503, never 2xx.
    const res = await fetch(`${server.url}/q/${q}`);
    assert.ok(res.status === 200 || res.status === 204, `status ${res.status}`);
  });

  it('shuts down promptly while Redis is down', async () => {
    const { redis, server } = await setup();
    assert.equal((await postForm(`${server.url}/q/${queueName()}`, { value: 'x' })).status, 200);
    await redis.kill('SIGKILL');
    const start = Date.now();
    await server.close();
    assert.ok(Date.now() - start < TIMEOUT_MS + SLACK_MS, `close took ${Date.now() - start} ms`);
  });

  it('keeps every acknowledged POST across a SIGKILL of Redis with appendfsync always', async () => {
    const { redis, server } = await setup(['--appendonly', 'yes', '--appendfsync', 'always']);
    const q = queueName();
    const N = 40;
    const responses = await Promise.all(Array.from({ length: N }, (_, i) => postForm(`${server.url}/q/${q}`, { value: `m${i}` })));
    assert.deepEqual(responses.map((r) => r.status), Array.from({ length: N }, () => 200));
    await redis.kill('SIGKILL');
    await redis.restart();
    await waitFor('readyz after restart', async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
    const values: string[] = [];
    for (;;) {
      const res = await fetch(`${server.url}/q/${q}`);
      if (res.status === 204) break;
      assert.equal(res.status, 200);
      values.push(((await res.json()) as { value: string }).value);
    }
    assert.equal(values.length, N);
    assert.deepEqual(new Set(values), new Set(Array.from({ length: N }, (_, i) => `m${i}`)));
  });
});
