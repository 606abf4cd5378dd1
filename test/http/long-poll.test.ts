// Long polls over a real socket with the real clock: a parked GET answers when a message
// is published, 204 when its wait runs out, each message goes to exactly one of many
// waiters, a delayed message wakes a waiter when it becomes visible, a client that leaves
// stops waiting, and shutdown answers parked polls. Waits are short and every test waits
// on a condition (the broker's count of parked polls), never a fixed sleep.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('long polling', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('answers a parked poll as soon as a message is published', async () => {
    const queue = queueName();
    const started = Date.now();
    const poll = fetch(`${server.url}/q/${queue}?wait=10`);
    await until(() => server.broker.waiting(queue) === 1, 'the poll to park');
    await postForm(`${server.url}/q/${queue}`, { value: 'wake up' });
    const res = await poll;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { value: string }).value, 'wake up');
    assert.ok(Date.now() - started < 5000);
    assert.equal(server.broker.waiting(queue), 0);
  });

  it('answers 204 when the wait runs out', async () => {
    const queue = queueName();
    const started = Date.now();
    const res = await fetch(`${server.url}/q/${queue}?wait=1&lease=30`);
    assert.equal(res.status, 204);
    const took = Date.now() - started;
    assert.ok(took >= 950 && took < 4000, `took ${took} ms`);
    assert.equal(server.broker.waiting(queue), 0);
  });

  it('gives each message to exactly one of many waiters', async () => {
    const queue = queueName();
    const polls = Array.from({ length: 30 }, () => fetch(`${server.url}/q/${queue}?wait=3&lease=30`));
    await until(() => server.broker.waiting(queue) === 30, 'thirty parked polls');
    const batch = await fetch(`${server.url}/q/${queue}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 10 }, (_, i) => `m${i}`)),
    });
    assert.equal(batch.status, 200);
    for (let i = 10; i < 20; i++) await postForm(`${server.url}/q/${queue}`, { value: `m${i}` });
    await until(() => server.broker.waiting(queue) === 10, 'twenty polls answered');
    await server.broker.publish(queue, { value: 'last', ttlSeconds: null });
    await until(() => server.broker.waiting(queue) === 9, 'one more poll answered');
    const settled = await Promise.all(polls);
    const bodies = await Promise.all(settled.filter((r) => r.status === 200).map(async (r) => ((await r.json()) as { value: string }).value));
    assert.equal(bodies.length, 21);
    assert.equal(new Set(bodies).size, 21);
    assert.equal(settled.filter((r) => r.status === 204).length, 9);
  });

  it('wakes a waiter when a delayed message becomes visible', async () => {
    const queue = queueName();
    const poll = fetch(`${server.url}/q/${queue}?wait=10`);
    await until(() => server.broker.waiting(queue) === 1, 'the poll to park');
    const published = Date.now();
    await postForm(`${server.url}/q/${queue}`, { value: 'later', delay: '1' });
    const res = await poll;
    assert.equal(res.status, 200);
    const took = Date.now() - published;
    assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
  });

  it('stops waiting when the client goes away', async () => {
    const queue = queueName();
    const controller = new AbortController();
    const poll = fetch(`${server.url}/q/${queue}?wait=20`, { signal: controller.signal }).catch((err: unknown) => err);
    await until(() => server.broker.waiting(queue) === 1, 'the poll to park');
    controller.abort();
    await poll;
    await until(() => server.broker.waiting(queue) === 0, 'the poll to leave');
    await postForm(`${server.url}/q/${queue}`, { value: 'kept' });
    const res = await fetch(`${server.url}/q/${queue}`);
    assert.equal(((await res.json()) as { value: string }).value, 'kept', 'the gone client took nothing');
  });

  it('caps the wait', async () => {
    const queue = queueName();
    for (const bad of ['wait=21', 'wait=-1', 'wait=x']) {
      const res = await fetch(`${server.url}/q/${queue}?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_wait');
    }
    await postForm(`${server.url}/q/${queue}`, { value: 'ready' });
    assert.equal((await fetch(`${server.url}/q/${queue}?wait=20`)).status, 200, 'a ready message answers at once');
  });

  it('answers parked polls at shutdown', async () => {
    const other = await startTestServer();
    const queue = queueName();
    const poll = fetch(`${other.url}/q/${queue}?wait=20`);
    await until(() => other.broker.waiting(queue) === 1, 'the poll to park');
    const started = Date.now();
    await other.stop();
    assert.equal((await poll).status, 204);
    assert.ok(Date.now() - started < 5000);
  });
});
