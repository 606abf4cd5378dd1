// Reliable delivery across two real daemons over one Redis (one in-process, one spawned
// from the built CLI): leases and acks, long polls woken by a publish to the other
// daemon, redelivery after a lease expires, deduplication, and message groups.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDaemon } from '../support/daemon.js';
import type { Daemon } from '../support/daemon.js';
import { redisCommand, startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

interface Leased {
  key: string;
  value: string;
  receipt: string;
  attempts: number;
}

function isLeased(body: unknown): body is Leased {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.key === 'string' && typeof b.value === 'string' && typeof b.receipt === 'string' && typeof b.attempts === 'number';
}

async function lease(url: string, q: string, seconds: number): Promise<Leased | null> {
  const res = await fetch(`${url}/q/${q}?lease=${seconds}`);
  if (res.status === 204) return null;
  assert.equal(res.status, 200);
  const body: unknown = await res.json();
  assert.ok(isLeased(body), JSON.stringify(body));
  return body;
}

describe('reliable delivery across two daemons over one Redis', () => {
  let redis: RedisProcess;
  let a: TestServer;
  let b: Daemon;

  before(async () => {
    redis = await startRedis();
    a = await startTestServer({ redisUrl: `${redis.url}/0`, redisPrefix: 'rel:' });
    b = await startDaemon(['--redis-host', '127.0.0.1', '--redis-port', String(redis.port), '--redis-prefix', 'rel:']);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('acks on one daemon a lease taken on the other; a stale receipt is refused there too', async () => {
    const q = queueName();
    assert.equal((await postForm(`${a.url}/q/${q}`, { value: 'job' })).status, 200);
    const leased = await lease(a.url, q, 30);
    assert.equal(leased?.value, 'job');
    assert.equal(await lease(b.url, q, 30), null, 'the leased message is hidden on the other daemon');
    const forged = await fetch(`${b.url}/q/${q}/${leased?.key ?? ''}?receipt=forgedreceipt123`, { method: 'DELETE' });
    assert.equal(forged.status, 409);
    const ack = await fetch(`${b.url}/q/${q}/${leased?.key ?? ''}?receipt=${leased?.receipt ?? ''}`, { method: 'DELETE' });
    assert.equal(ack.status, 200);
    assert.deepEqual(await ack.json(), { queue: q, key: `${q}:1`, acked: true });
    const peek = await fetch(`${a.url}/q/${q}?peek=10`);
    assert.deepEqual(await peek.json(), []);
  });

  it('holds a message group across daemons: a member leased on one keeps the group from the other until acked there', async () => {
    const q = queueName();
    for (const [value, group] of [['a1', 'g'], ['a2', 'g'], ['b1', 'h']] as const) {
      assert.equal((await postForm(`${a.url}/q/${q}`, { value, group })).status, 200);
    }
    const first = await lease(a.url, q, 30);
    assert.equal(first?.value, 'a1');
    const other = await lease(b.url, q, 30);
    assert.equal(other?.value, 'b1', 'the other daemon passes the held group by');
    assert.equal(await lease(b.url, q, 30), null, 'and gives nothing of it');
    const ack = await fetch(`${b.url}/q/${q}/${first?.key ?? ''}?receipt=${first?.receipt ?? ''}`, { method: 'DELETE' });
    assert.equal(ack.status, 200);
    assert.equal((await lease(b.url, q, 30))?.value, 'a2', 'acked on one daemon, the group is free on both');
  });

  it('wakes a long poll on one daemon with a publish to the other', async () => {
    const q = queueName();
    const started = Date.now();
    const poll = fetch(`${b.url}/q/${q}?wait=15`);
    // The poll is parked once daemon B subscribed to the queue's channel.
    await waitFor('long poll to subscribe', async () => {
      const reply = await redisCommand(redis.port, 'PUBSUB', 'NUMSUB', `rel:signal:{${q}}`);
      return Array.isArray(reply) && Number(reply[1]) >= 1;
    });
    assert.equal((await postForm(`${a.url}/q/${q}`, { value: 'wake up' })).status, 200);
    const res = await poll;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { key: `${q}:1`, value: 'wake up', count: 0 });
    assert.ok(Date.now() - started < 10_000, 'answered on the signal, not at the end of the wait');
  });

  it('redelivers from the other daemon once a lease expires, attempts counted', async () => {
    const q = queueName();
    await postForm(`${b.url}/q/${q}`, { value: 'retry me' });
    const first = await lease(b.url, q, 1);
    assert.equal(first?.attempts, 1);
    let again: Leased | null = null;
    await waitFor('the lease to expire and the message to come back', async () => {
      again = await lease(a.url, q, 30);
      return again !== null;
    });
    const second = again as Leased | null;
    assert.deepEqual([second?.key, second?.value, second?.attempts], [`${q}:1`, 'retry me', 2]);
    const stale = await fetch(`${a.url}/q/${q}/${q}:1?receipt=${first?.receipt ?? ''}`, { method: 'DELETE' });
    assert.equal(stale.status, 409);
  });

  it('deduplicates a publish repeated through the other daemon', async () => {
    const q = queueName();
    const accept = { accept: 'application/json' };
    const one = await postForm(`${a.url}/q/${q}`, { value: 'once', dedup: 'order-17' }, accept);
    assert.deepEqual(await one.json(), { key: `${q}:1` });
    const two = await postForm(`${b.url}/q/${q}`, { value: 'once again' }, { ...accept, 'idempotency-key': 'order-17' });
    assert.deepEqual(await two.json(), { key: `${q}:1`, duplicate: true });
    const peek = (await (await fetch(`${b.url}/q/${q}?peek=10`)).json()) as { value: string }[];
    assert.deepEqual(peek.map((m) => m.value), ['once']);
  });

  it('dead-letters an idle queue through the maintenance pass, without any read of it', async () => {
    const q = queueName();
    const put = await fetch(`${a.url}/q/${q}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_attempts: 1 }) });
    assert.equal(put.status, 200);
    await postForm(`${a.url}/q/${q}`, { value: 'poison' });
    assert.equal((await lease(b.url, q, 1))?.value, 'poison');
    // Nobody reads q again: only a maintenance pass (every 5 s on each daemon) can move it.
    await waitFor('the dead letter', async () => {
      const dead = (await (await fetch(`${a.url}/q/${q}.dlq?peek=5`)).json()) as { value: string }[];
      return dead.length === 1 && dead[0]?.value === 'poison';
    }, 15_000);
  });
});
