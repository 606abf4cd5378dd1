// Long polls over a real socket: a parked GET answers when a message is published, 204
// when its wait runs out, each message goes to exactly one of many waiters, a delayed
// message wakes a waiter when it becomes visible, a client that leaves stops waiting, and
// shutdown answers parked polls. Queue time is a fake clock, so waits and delays end
// exactly when the test moves time; every test waits on a condition (the broker's count
// of parked polls), never a fixed sleep.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

describe('long polling', () => {
  let server: TestServer;
  const clock = new FakeClock();
  before(async () => {
    server = await startTestServer({}, { clock });
  });
  after(() => server.stop());

  it('answers a parked poll as soon as a message is published', async () => {
    const queue = queueName();
    const poll = fetch(`${server.url}/q/${queue}?wait=10`);
    await waitFor('the poll to park', () => server.broker.waiting(queue) === 1, { intervalMs: 0 });
    await postForm(`${server.url}/q/${queue}`, { value: 'wake up' });
    const res = await poll; // queue time does not move: only the publish can answer it
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { value: string }).value, 'wake up');
    assert.equal(server.broker.waiting(queue), 0);
  });

  it('answers 204 when the wait runs out', async () => {
    const queue = queueName();
    const poll = fetch(`${server.url}/q/${queue}?wait=1&lease=30`);
    await waitFor('the poll to park', () => server.broker.waiting(queue) === 1, { intervalMs: 0 });
    await clock.advance(999);
    assert.equal(server.broker.waiting(queue), 1, 'still parked 1 ms before its wait ends');
    await clock.advance(1);
    assert.equal((await poll).status, 204);
    assert.equal(server.broker.waiting(queue), 0);
  });

  it('gives each message to exactly one of many waiters', async () => {
    const queue = queueName();
    const polls = Array.from({ length: 30 }, () => fetch(`${server.url}/q/${queue}?wait=3&lease=30`));
    await waitFor('thirty parked polls', () => server.broker.waiting(queue) === 30, { intervalMs: 0 });
    const batch = await fetch(`${server.url}/q/${queue}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 10 }, (_, i) => `m${i}`)),
    });
    assert.equal(batch.status, 200);
    for (let i = 10; i < 20; i++) await postForm(`${server.url}/q/${queue}`, { value: `m${i}` });
    await waitFor('twenty polls answered', () => server.broker.waiting(queue) === 10, { intervalMs: 0 });
    await server.broker.publish(queue, { value: 'last', ttlSeconds: null });
    await waitFor('one more poll answered', () => server.broker.waiting(queue) === 9, { intervalMs: 0 });
    await clock.advance(3000); // the rest wait their 3 s out
    const settled = await Promise.all(polls);
    const bodies = await Promise.all(settled.filter((r) => r.status === 200).map(async (r) => ((await r.json()) as { value: string }).value));
    assert.equal(bodies.length, 21);
    assert.equal(new Set(bodies).size, 21);
    assert.equal(settled.filter((r) => r.status === 204).length, 9);
  });

  it('wakes a waiter when a delayed message becomes visible', async () => {
    const queue = queueName();
    const poll = fetch(`${server.url}/q/${queue}?wait=10`);
    await waitFor('the poll to park', () => server.broker.waiting(queue) === 1, { intervalMs: 0 });
    await postForm(`${server.url}/q/${queue}`, { value: 'later', delay: '1' });
    await clock.advance(999);
    assert.equal(server.broker.waiting(queue), 1, 'not visible 1 ms before its delay ends');
    await clock.advance(10); // the delay's end plus the due timer's slack
    const res = await poll;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { value: string }).value, 'later');
  });

  it('stops waiting when the client goes away', async () => {
    const queue = queueName();
    const controller = new AbortController();
    const poll = fetch(`${server.url}/q/${queue}?wait=20`, { signal: controller.signal }).catch((err: unknown) => err);
    await waitFor('the poll to park', () => server.broker.waiting(queue) === 1, { intervalMs: 0 });
    controller.abort();
    await poll;
    await waitFor('the poll to leave', () => server.broker.waiting(queue) === 0, { intervalMs: 0 });
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
    await waitFor('the poll to park', () => other.broker.waiting(queue) === 1, { intervalMs: 0 });
    const started = Date.now();
    await other.stop();
    assert.equal((await poll).status, 204);
    assert.ok(Date.now() - started < 5000);
  });
});
