// Queues as a whole over HTTP: `DELETE /q/<queue>` (purge, and drop with `drop=1`) and `GET /q/`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, counters, isRecord, json, request, publishValue, jsonInit, errorCode } from '../support/http.js';
import { postForm, queueName, startTestServer, useTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

const server = useTestServer();

const publish = (queue: string, value: string): Promise<string> => publishValue(server.url, queue, value);

describe('DELETE /q/<queue>', () => {
  it('purges every message and answers {"queue","status","purged"}', async () => {
    const q = queueName();
    await publish(q, '1');
    await publish(q, '2');
    await publish(q, '3');
    const answer = await request(`${server.url}/q/${q}`, { method: 'DELETE' });
    assert.equal(answer.status, 200);
    assert.deepEqual(json(answer), { queue: q, status: 1, purged: 3 });
    assert.equal((await request(`${server.url}/q/${q}`)).status, 204);
    assert.deepEqual(await counters(server.url, q), { len: 0, published: 3 });
    assert.equal(await publish(q, 'after'), `${q}:4`, 'numbering continues after a purge');
  });

  it('answers status 0 when there was nothing to purge', async () => {
    const q = queueName();
    const answer = await request(`${server.url}/q/${q}`, { method: 'DELETE' });
    assert.deepEqual(json(answer), { queue: q, status: 0, purged: 0 });
  });

  it('rejects an invalid queue name', async () => {
    assertError(await request(`${server.url}/q/bad%20name`, { method: 'DELETE' }), 'invalid_queue_name');
  });
});

describe('GET /q/', () => {
  it('lists queues as JSON, sorted', async () => {
    const a = `a-${queueName()}`;
    const b = `b-${queueName()}`;
    await publish(b, 'v');
    await publish(a, 'v');
    const body = json(await request(`${server.url}/q/`));
    assert.ok(isRecord(body) && Array.isArray(body.queues));
    assert.equal(body.count, body.queues.length);
    assert.ok(body.queues.includes(a) && body.queues.includes(b));
    const queues: unknown[] = body.queues;
    assert.deepEqual([...queues].sort(), queues);
    // Without the trailing slash too.
    assert.deepEqual(json(await request(`${server.url}/q`)), body);
  });

  it('serves an HTML page to a browser, linking each queue to its /j view', async () => {
    const q = queueName();
    await publish(q, 'v');
    const page = await request(`${server.url}/q/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(page.text.includes(`<a href="/j/${q}">${q}</a>`), page.text);
  });

  it('answers JSON when the client accepts both HTML and JSON', async () => {
    const answer = await request(`${server.url}/q/`, { headers: { accept: 'text/html, application/json' } });
    assert.ok(isRecord(json(answer)));
  });
});

describe('dropping a queue', () => {
  let server: TestServer;
  const clock = Date.UTC(2031, 0, 1);
  before(async () => {
    server = await startTestServer({}, { now: () => clock });
  });
  after(() => server.stop());

  const url = (path: string): string => `${server.url}${path}`;
  const json = jsonInit;
  const code = errorCode;

  it('drops a queue entirely', async () => {
    const queue = queueName();
    await fetch(url(`/q/${queue}/config`), json('PUT', { max_attempts: 9 }));
    await postForm(url(`/q/${queue}`), { value: 'a' });
    const res = await fetch(url(`/q/${queue}?drop=1`), { method: 'DELETE' });
    assert.deepEqual(await res.json(), { queue, dropped: true, purged: 1 });
    assert.ok(!((await (await fetch(url('/q/'), { headers: { accept: 'application/json' } })).json()) as { queues: string[] }).queues.includes(queue));
    assert.equal(((await (await fetch(url(`/q/${queue}/config`))).json()) as { max_attempts: number }).max_attempts, 5);
    assert.equal((await (await postForm(url(`/q/${queue}`), { value: 'b' })).text()).trim(), `${queue}:1`);
    assert.equal(await code(await fetch(url(`/q/${queue}?drop=yes`), { method: 'DELETE' })), 'invalid_parameter');
  });
});
