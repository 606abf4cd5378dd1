// Queue statistics over HTTP: `/stats/`, `/stats/<queue>` and the `/j/<queue>` page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, form, isRecord, json, request, publishValue } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

const publish = (queue: string, value: string): Promise<string> => publishValue(server.url, queue, value);

describe('/stats', () => {
  it('/stats/<queue> reports length, settings and published count', async () => {
    const q = queueName();
    await publish(q, 'a');
    await publish(q, 'b');
    await request(`${server.url}/q/${q}`);
    await form(`${server.url}/p/${q}`, { policy: 'roundrobin' });
    const body = json(await request(`${server.url}/stats/${q}`));
    assert.ok(isRecord(body));
    assert.equal(body.queue, q);
    assert.equal(body.len, 1);
    assert.equal(body.published, 2);
    assert.equal(body.policy, 'roundrobin');
    assert.equal(body.status, 'started');
    assert.equal(body.store, 'sqlite');
    assert.equal(body.oldest_key, `${q}:2`);
    assert.equal(typeof body.oldest_age_ms, 'number');
    assert.ok(!Number.isNaN(Date.parse(String(body.created_at))));
  });

  it('/stats/<queue> answers zeros for an unknown queue without creating it', async () => {
    const q = queueName();
    const body = json(await request(`${server.url}/stats/${q}`));
    assert.ok(isRecord(body));
    assert.equal(body.queue, q);
    assert.equal(body.len, 0);
    assert.equal(body.published, 0);
    const list = json(await request(`${server.url}/q/`));
    assert.ok(isRecord(list) && Array.isArray(list.queues) && !list.queues.includes(q));
  });

  it('/stats/ lists a queue named __proto__ like any other', async () => {
    assert.equal((await form(`${server.url}/q/__proto__`, { value: 'x' })).status, 200);
    const stats = json(await request(`${server.url}/stats/`));
    assert.ok(isRecord(stats) && isRecord(stats.queues));
    assert.ok(Object.prototype.hasOwnProperty.call(stats.queues, '__proto__'), 'the queue is listed');
    assert.equal(Object.keys(stats.queues).length, stats.count);
  });

  it('/stats/ lists every queue with length, status and policy, and the count', async () => {
    const a = queueName();
    const b = queueName();
    await publish(a, '1');
    await publish(a, '2');
    await publish(b, '1');
    await form(`${server.url}/control/${b}`, { status: 'stop' });
    const body = json(await request(`${server.url}/stats/`));
    assert.ok(isRecord(body) && isRecord(body.queues));
    assert.equal(body.count, Object.keys(body.queues).length);
    assert.equal(body.store, 'sqlite');
    const qa = body.queues[a];
    const qb = body.queues[b];
    assert.ok(isRecord(qa) && isRecord(qb));
    assert.equal(qa.name, a);
    assert.equal(qa.len, 2);
    assert.equal(qa.status, 'started');
    assert.equal(qa.policy, 'broadcast');
    assert.equal(qb.len, 1);
    assert.equal(qb.status, 'stopped');
    const noSlash = json(await request(`${server.url}/stats`));
    assert.ok(isRecord(noSlash) && isRecord(noSlash.queues));
    assert.deepEqual(Object.keys(noSlash.queues).sort(), Object.keys(body.queues).sort());
  });
});

describe('/j/<queue>', () => {
  it('shows the length and the latest keys, newest first, at most 10', async () => {
    const q = `j.${queueName()}@x:y`;
    for (let i = 1; i <= 12; i += 1) await publish(q, `v${i}`);
    await request(`${server.url}/q/${q}`);
    const page = await request(`${server.url}/j/${q}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<b id="length">11<\/b>/);
    assert.match(page.text, /<b id="published">12<\/b>/);
    const keys = [...page.text.matchAll(/<li><code>([^<]*)<\/code><\/li>/g)].map((m) => m[1]);
    assert.deepEqual(
      keys,
      Array.from({ length: 10 }, (_, i) => `${q}:${12 - i}`),
    );
    assert.ok(page.text.includes(`<title>Queue ${q}</title>`));
  });

  it('shows an empty queue', async () => {
    const q = queueName();
    const page = await request(`${server.url}/j/${q}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<b id="length">0<\/b>/);
    assert.match(page.text, /None\./);
  });

  it('never reflects markup: a name with HTML characters is rejected as JSON', async () => {
    const answer = await request(`${server.url}/j/${encodeURIComponent('<script>alert(1)</script>')}`);
    assertError(answer, 'invalid_queue_name');
    assert.ok(!answer.text.includes('<script>'));
  });
});
