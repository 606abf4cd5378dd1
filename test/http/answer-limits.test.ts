// The answer byte limit (--max-answer-bytes) over HTTP, on SQLite and on Redis: peek=N,
// n=N pops and leases, and the JSON protocol's lease with n answer only what fits, say so
// (RestMQ-Truncated, "truncated": true), and never take or lease what they do not answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

/** Values of 1000 bytes; the cap holds two and a half of them. */
const SIZE = 1000;
const CAP = 2500;

interface Delivered {
  key: string;
  value: string;
  receipt?: string;
}

for (const kind of ['sqlite', 'redis'] as const) {
  describe(`answer byte limit over HTTP (${kind})`, () => {
    let server: TestServer;
    let redis: RedisProcess | undefined;

    before(async () => {
      if (kind === 'redis') redis = await startRedis();
      const store = redis === undefined ? {} : { redisUrl: `${redis.url}/0`, redisPrefix: `al${process.pid}:` };
      server = await startTestServer({ maxMessageBytes: SIZE, maxAnswerBytes: CAP, ...store });
    });
    after(async () => {
      await server.stop();
      await redis?.stop();
    });

    async function fill(queue: string, count: number, size = SIZE): Promise<string[]> {
      const keys: string[] = [];
      for (let i = 0; i < count; i++) {
        const res = await fetch(`${server.url}/q/${queue}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: String(i % 10).repeat(size),
        });
        assert.equal(res.status, 200);
        keys.push((await res.text()).trim());
      }
      return keys;
    }

    async function receive(path: string): Promise<{ status: number; truncated: string | null; messages: Delivered[] }> {
      const res = await fetch(`${server.url}${path}`);
      const truncated = res.headers.get('restmq-truncated');
      if (res.status === 204) return { status: 204, truncated, messages: [] };
      return { status: res.status, truncated, messages: (await res.json()) as Delivered[] };
    }

    it('peek=N answers the messages that fit and says it was cut; a small answer is not marked', async () => {
      const queue = queueName('peek');
      await fill(queue, 5);
      const cut = await receive(`/q/${queue}?peek=5`);
      assert.equal(cut.messages.length, 2);
      assert.equal(cut.truncated, 'max-answer-bytes');
      const small = queueName('peek-small');
      await fill(small, 5, 10);
      const whole = await receive(`/q/${small}?peek=5`);
      assert.equal(whole.messages.length, 5);
      assert.equal(whole.truncated, null);
    });

    it('the limit holds at its boundary: values adding up to exactly the cap fit together', async () => {
      const queue = queueName('edge');
      await fill(queue, 2, SIZE);
      await fill(queue, 1, CAP - 2 * SIZE); // 2500 bytes in all
      await fill(queue, 1, 1);
      const answer = await receive(`/q/${queue}?peek=4`);
      assert.equal(answer.messages.length, 3, 'exactly the cap fits; one byte more does not');
    });

    it('n=N pops only what it answers: every message arrives exactly once over repeated pops', async () => {
      const queue = queueName('pop');
      const keys = await fill(queue, 5);
      const first = await receive(`/q/${queue}?n=5`);
      assert.equal(first.messages.length, 2);
      assert.equal(first.truncated, 'max-answer-bytes');
      const second = await receive(`/q/${queue}?n=5`);
      const third = await receive(`/q/${queue}?n=5`);
      assert.equal(third.messages.length, 1);
      assert.equal(third.truncated, null, 'room was left: the queue simply ran out');
      assert.equal((await receive(`/q/${queue}?n=5`)).status, 204);
      assert.deepEqual([...first.messages, ...second.messages, ...third.messages].map((m) => m.key), keys);
    });

    it('n=N with a lease leases only what it answers; the rest is ready for the next receiver', async () => {
      const queue = queueName('lease');
      const keys = await fill(queue, 3);
      const leased = await receive(`/q/${queue}?lease=60&n=3`);
      assert.equal(leased.messages.length, 2);
      assert.equal(leased.truncated, 'max-answer-bytes');
      assert.ok(leased.messages.every((m) => typeof m.receipt === 'string'));
      const next = await receive(`/q/${queue}?lease=60&n=3`);
      assert.deepEqual(next.messages.map((m) => m.key), [keys[2]]);
    });

    it('the JSON protocol lease with n answers "truncated": true when cut', async () => {
      const queue = queueName('json');
      await fill(queue, 3);
      const res = await fetch(`${server.url}/queue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cmd: 'lease', queue, lease: 30, n: 3 }),
      });
      const body = (await res.json()) as { messages: Delivered[]; truncated?: boolean };
      assert.equal(body.messages.length, 2);
      assert.equal(body.truncated, true);
      const rest = (await (
        await fetch(`${server.url}/queue`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ cmd: 'lease', queue, lease: 30, n: 3 }),
        })
      ).json()) as { messages: Delivered[]; truncated?: boolean };
      assert.equal(rest.messages.length, 1);
      assert.equal(rest.truncated, undefined);
    });
  });
}

describe('answer byte limit below max-message-bytes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxMessageBytes: 3000, maxAnswerBytes: 1024 });
  });
  after(() => server.stop());

  it('is raised to max-message-bytes, so one message of the largest size always fits', async () => {
    const queue = queueName('raised');
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${server.url}/q/${queue}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'z'.repeat(1000) });
      assert.equal(res.status, 200);
    }
    const res = await fetch(`${server.url}/q/${queue}?n=4`);
    assert.equal(((await res.json()) as unknown[]).length, 3, '3000 bytes hold three values of 1000');
  });
});
