// Redis stalled (DEBUG SLEEP, CLIENT PAUSE): requests answer 503 store_unavailable within
// --redis-timeout-ms (one deadline per store call, not per command) and the body holds the
// catalog message only, no driver text.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { redisCommand, startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const TIMEOUT_MS = 1000;
/** Generous bound over the deadline for a loaded 2-core machine (the goal is TIMEOUT_MS). */
const BOUND_MS = 1600;
const CATALOG = { error: { code: 'store_unavailable', message: 'the store cannot be reached' } };

async function timed(work: () => Promise<Response>): Promise<{ status: number; body: unknown; ms: number }> {
  const start = performance.now();
  const res = await work();
  const text = await res.text();
  const ms = performance.now() - start;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: res.status, body, ms };
}

/** True when Redis answers a PING within `ms`. */
async function answersWithin(port: number, ms: number): Promise<boolean> {
  const ping = redisCommand(port, 'PING').then(() => true, () => false);
  const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
  return Promise.race([ping, late]);
}

describe('Redis stalled: a deadline per request and no driver text', { timeout: 90_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup(): Promise<{ redis: RedisProcess; server: TestServer }> {
    const redis = await startRedis({ args: ['--enable-debug-command', 'yes'] });
    cleanups.push(() => redis.stop());
    const server = await startTestServer({ redisUrl: redis.url, redisTimeoutMs: TIMEOUT_MS });
    cleanups.push(() => server.stop());
    return { redis, server };
  }

  async function duringStall(server: TestServer, redis: RedisProcess, stall: () => Promise<unknown>): Promise<void> {
    const q = queueName();
    assert.equal((await postForm(`${server.url}/q/${q}`, { value: 'one' })).status, 200);
    const fresh = queueName('fresh');
    void stall().catch(() => undefined);
    await waitFor('Redis stalled', async () => !(await answersWithin(redis.port, 300)), 5000);
    const answers = await Promise.all([
      timed(() => postForm(`${server.url}/q/${q}`, { value: 'two' })),
      timed(() => postForm(`${server.url}/q/${fresh}`, { value: 'first' })),
      timed(() => fetch(`${server.url}/q/${q}`)),
      timed(() => fetch(`${server.url}/stats/${q}`)),
      timed(() => fetch(`${server.url}/q/${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["a","b"]' })),
    ]);
    for (const [i, a] of answers.entries()) {
      assert.equal(a.status, 503, `answer ${i}: ${JSON.stringify(a.body)}`);
      assert.deepEqual(a.body, CATALOG, `answer ${i}`);
      assert.ok(a.ms < BOUND_MS, `answer ${i} took ${a.ms.toFixed(0)} ms`);
    }
    await waitFor('serving again', async () => (await fetch(`${server.url}/readyz`)).status === 200, 15_000);
  }

  it('DEBUG SLEEP 5', async () => {
    const { redis, server } = await setup();
    await duringStall(server, redis, () => redisCommand(redis.port, 'DEBUG', 'SLEEP', '5'));
  });

  it('CLIENT PAUSE 5000', async () => {
    const { redis, server } = await setup();
    await duringStall(server, redis, () => redisCommand(redis.port, 'CLIENT', 'PAUSE', '5000', 'ALL'));
  });
});
