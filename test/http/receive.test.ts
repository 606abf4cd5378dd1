// Receiving over HTTP: RestMQ's pops, `GET /?queue=` and `GET /q/<queue>`, and HEAD never popping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, counters, isRecord, json, request, publishValue } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

const publish = (queue: string, value: string): Promise<string> => publishValue(server.url, queue, value);

describe('GET /?queue=', () => {
  it('pops {"key","value","count"} in FIFO order', async () => {
    const q = queueName();
    await publish(q, 'first');
    await publish(q, 'second');
    const a = await request(`${server.url}/?queue=${q}`);
    assert.equal(a.status, 200);
    assert.deepEqual(json(a), { key: `${q}:1`, value: 'first', count: 0 });
    assert.deepEqual(json(await request(`${server.url}/?queue=${q}`)), { key: `${q}:2`, value: 'second', count: 0 });
  });

  it('answers 404 with the catalog error when the queue is empty', async () => {
    const q = queueName();
    assertError(await request(`${server.url}/?queue=${q}`), 'queue_empty');
    await publish(q, 'only');
    assert.equal((await request(`${server.url}/?queue=${q}`)).status, 200);
    assertError(await request(`${server.url}/?queue=${q}`), 'queue_empty');
  });

  it('serves the HTML index without a queue, and JSON to a JSON client', async () => {
    const page = await request(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<title>RestMQ<\/title>/);
    const asJson = await request(`${server.url}/`, { headers: { accept: 'application/json' } });
    assert.deepEqual(json(asJson), { name: 'restmq' });
  });
});

describe('GET /q/<queue>', () => {
  it('pops in FIFO order, each message once, then answers 204 with no body', async () => {
    const q = queueName();
    const values = ['a', 'b', 'c', 'd', 'e'];
    const keys: string[] = [];
    for (const v of values) keys.push(await publish(q, v));
    assert.deepEqual(keys, values.map((_, i) => `${q}:${i + 1}`));
    for (const [i, v] of values.entries()) {
      const answer = await request(`${server.url}/q/${q}`);
      assert.equal(answer.status, 200);
      assert.deepEqual(json(answer), { key: keys[i], value: v, count: 0 });
    }
    const empty = await request(`${server.url}/q/${q}`);
    assert.equal(empty.status, 204);
    assert.equal(empty.text, '');
  });

  it('answers 204 for a queue that never existed, without creating it', async () => {
    const q = queueName();
    assert.equal((await request(`${server.url}/q/${q}`)).status, 204);
    const list = json(await request(`${server.url}/q/`));
    assert.ok(isRecord(list) && Array.isArray(list.queues));
    assert.ok(!list.queues.includes(q));
  });

  it('keeps numbering keys after a pop empties the queue', async () => {
    const q = queueName();
    await publish(q, 'x');
    await request(`${server.url}/q/${q}`);
    assert.equal(await publish(q, 'y'), `${q}:2`);
  });
});

describe('HEAD on popping routes', () => {
  it('never consumes a message', async () => {
    const q = queueName();
    await publish(q, 'kept');
    // The streaming routes too: a HEAD consumer would take messages its writes never carry.
    for (const path of [`/q/${q}`, `/?queue=${q}`, `/c/${q}`, `/sse/${q}`]) {
      const head = await request(`${server.url}${path}`, { method: 'HEAD' });
      assert.notEqual(head.status, 200, `HEAD ${path}`);
      assert.ok(head.status >= 400 && head.status < 500, `HEAD ${path}: ${head.status}`);
    }
    assert.deepEqual(await counters(server.url, q), { len: 1, published: 1 });
    assert.deepEqual(json(await request(`${server.url}/q/${q}`)), { key: `${q}:1`, value: 'kept', count: 0 });
  });

  it('still answers HEAD on read-only routes', async () => {
    assert.equal((await request(`${server.url}/healthz`, { method: 'HEAD' })).status, 200);
    assert.equal((await request(`${server.url}/q/`, { method: 'HEAD' })).status, 200);
  });
});
