// Delivery guarantees seen over HTTP: ttl expiry (on a fake clock, so exact and instant)
// and exactly-once pops under concurrency.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { counters, form, isRecord, json, request } from '../support/http.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

let server: TestServer;
/** Queue time: ttls end when the test moves it. */
const clock = new FakeClock();
before(async () => {
  server = await startTestServer({}, { clock });
});
after(async () => {
  await server.stop();
});

describe('ttl', () => {
  it('never delivers a message once its ttl has passed', async () => {
    const q = queueName();
    assert.equal((await form(`${server.url}/q/${q}`, { value: 'short', ttl: '1' })).status, 200);
    assert.equal((await form(`${server.url}/q/${q}`, { value: 'long', ttl: '3600' })).status, 200);
    assert.equal((await counters(server.url, q)).len, 2);
    await clock.advance(999);
    assert.equal((await counters(server.url, q)).len, 2, 'alive 1 ms before its ttl ends');
    await clock.advance(1);
    assert.equal((await counters(server.url, q)).len, 1, 'gone once its ttl ended');
    const answer = await request(`${server.url}/q/${q}`);
    assert.equal(answer.status, 200);
    const body = json(answer);
    assert.ok(isRecord(body));
    assert.equal(body.value, 'long');
    assert.equal(body.key, `${q}:2`);
    assert.equal((await request(`${server.url}/q/${q}`)).status, 204);
  });

  it('hides an expired message from GET /?queue= and the JSON protocol too', async () => {
    const q = queueName();
    await form(`${server.url}/`, { queue: q, value: 'gone soon', ttl: '1' });
    await clock.advance(1000);
    assert.equal((await counters(server.url, q)).len, 0);
    assert.equal((await request(`${server.url}/?queue=${q}`)).status, 404);
    const get = await form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'get', queue: q }) });
    assert.deepEqual(json(get), { error: 'empty queue' });
    const take = await form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'take', queue: q }) });
    assert.deepEqual(json(take), { error: 'empty queue' });
  });
});

describe('concurrency', () => {
  it('gives concurrent POSTs distinct keys and pops each message exactly once', async () => {
    const q = queueName();
    const n = 200;
    const posted = await Promise.all(
      Array.from({ length: n }, (_, i) => form(`${server.url}/q/${q}`, { value: `m${i}` })),
    );
    const keys = posted.map((a) => {
      assert.equal(a.status, 200, a.text);
      return a.text.trimEnd();
    });
    assert.equal(new Set(keys).size, n, 'keys are distinct');
    assert.deepEqual(
      [...keys].sort(),
      Array.from({ length: n }, (_, i) => `${q}:${i + 1}`).sort(),
      'keys are exactly 1..n',
    );
    assert.deepEqual(await counters(server.url, q), { len: n, published: n });

    // Pop with more concurrent consumers than messages: each message comes out once.
    const popped = await Promise.all(Array.from({ length: n + 20 }, () => request(`${server.url}/q/${q}`)));
    const seen = new Map<string, string>();
    let empties = 0;
    for (const a of popped) {
      if (a.status === 204) {
        empties += 1;
        continue;
      }
      assert.equal(a.status, 200, a.text);
      const body = json(a);
      assert.ok(isRecord(body) && typeof body.key === 'string' && typeof body.value === 'string');
      assert.ok(!seen.has(body.key), `${body.key} popped twice`);
      seen.set(body.key, body.value);
    }
    assert.equal(seen.size, n);
    assert.equal(empties, 20);
    for (const [i, key] of keys.entries()) assert.equal(seen.get(key), `m${i}`, `value of ${key}`);
    assert.deepEqual(await counters(server.url, q), { len: 0, published: n });
  });

  it('numbers keys across every publishing route without gaps or repeats', async () => {
    const q = queueName();
    const n = 30;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        if (i % 3 === 0) return form(`${server.url}/`, { queue: q, value: `v${i}` });
        if (i % 3 === 1) return form(`${server.url}/q/${q}`, { value: `v${i}` }, { accept: 'application/json' });
        return form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'add', queue: q, value: `v${i}` }) });
      }),
    );
    const keys = answers.map((a) => {
      assert.equal(a.status, 200, a.text);
      if (a.headers.get('content-type')?.startsWith('text/plain')) return a.text.trimEnd();
      const body = json(a);
      assert.ok(isRecord(body) && typeof body.key === 'string');
      return body.key;
    });
    assert.deepEqual(
      keys.map((k) => Number(k.slice(q.length + 1))).sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i + 1),
    );
  });

  it('keeps FIFO order for messages popped one after another', async () => {
    const q = queueName();
    const n = 50;
    await Promise.all(Array.from({ length: n }, (_, i) => form(`${server.url}/q/${q}`, { value: `m${i}` })));
    let last = 0;
    for (let i = 0; i < n; i += 1) {
      const body = json(await request(`${server.url}/q/${q}`));
      assert.ok(isRecord(body) && typeof body.key === 'string');
      const seq = Number(body.key.slice(body.key.lastIndexOf(':') + 1));
      assert.ok(seq > last, `key ${body.key} after seq ${last}`);
      last = seq;
    }
  });
});
