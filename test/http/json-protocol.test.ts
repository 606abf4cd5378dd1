// RestMQ's JSON protocol over HTTP: `POST /queue` and `/queue/<queue>`, and the help page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFlatError, assertUntouched, counters, form, json, raw, request } from '../support/http.js';
import type { Answer } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

/** Sends a command as RestMQ clients did: the form field `body`. */
function command(cmd: unknown, path = '/queue'): Promise<Answer> {
  return form(`${server.url}${path}`, { body: JSON.stringify(cmd) });
}

describe('POST /queue', () => {
  it('add answers {"queue","value","key"} and numbers keys', async () => {
    const q = queueName();
    const a = await command({ cmd: 'add', queue: q, value: 'abacab' });
    assert.equal(a.status, 200);
    assert.deepEqual(json(a), { queue: q, value: 'abacab', key: `${q}:1` });
    assert.deepEqual(json(await command({ cmd: 'add', queue: q, value: 'second' })), { queue: q, value: 'second', key: `${q}:2` });
    assert.deepEqual(await counters(server.url, q), { len: 2, published: 2 });
  });

  it('add stores a structured value as its JSON text', async () => {
    const q = queueName();
    const value = { filename: 'a.txt', count: 3, tags: ['x', null] };
    const a = json(await command({ cmd: 'add', queue: q, value }));
    assert.deepEqual(a, { queue: q, value: JSON.stringify(value), key: `${q}:1` });
    const popped = json(await request(`${server.url}/q/${q}`));
    assert.deepEqual(popped, { key: `${q}:1`, value: JSON.stringify(value), count: 0 });
  });

  it('add accepts a ttl', async () => {
    const q = queueName();
    assert.equal((await command({ cmd: 'add', queue: q, value: 'v', ttl: 60 })).status, 200);
    assert.equal((await command({ cmd: 'add', queue: q, value: 'v', ttl: '60' })).status, 200);
    assert.equal((await counters(server.url, q)).len, 2);
  });

  it('get is a soft read: it keeps the message and counts each read', async () => {
    const q = queueName();
    await command({ cmd: 'add', queue: q, value: 'peeked' });
    await command({ cmd: 'add', queue: q, value: 'next' });
    for (let n = 1; n <= 3; n += 1) {
      assert.deepEqual(json(await command({ cmd: 'get', queue: q })), { queue: q, value: 'peeked', key: `${q}:1`, count: n });
    }
    assert.deepEqual(await counters(server.url, q), { len: 2, published: 2 });
    // A pop shows the reads counted so far.
    assert.deepEqual(json(await request(`${server.url}/q/${q}`)), { key: `${q}:1`, value: 'peeked', count: 3 });
  });

  it('take removes and returns the oldest message, then answers empty queue', async () => {
    const q = queueName();
    await command({ cmd: 'add', queue: q, value: 'one' });
    await command({ cmd: 'add', queue: q, value: 'two' });
    assert.deepEqual(json(await command({ cmd: 'take', queue: q })), { queue: q, value: 'one', key: `${q}:1` });
    assert.deepEqual(json(await command({ cmd: 'take', queue: q })), { queue: q, value: 'two', key: `${q}:2` });
    const empty = await command({ cmd: 'take', queue: q });
    assert.equal(empty.status, 200);
    assert.deepEqual(json(empty), { error: 'empty queue' });
    assert.deepEqual(json(await command({ cmd: 'get', queue: q })), { error: 'empty queue' });
  });

  it('del deletes by key and says whether it was there', async () => {
    const q = queueName();
    await command({ cmd: 'add', queue: q, value: 'one' });
    await command({ cmd: 'add', queue: q, value: 'two' });
    assert.deepEqual(json(await command({ cmd: 'del', queue: q, key: `${q}:1` })), { queue: q, deleted: true, key: `${q}:1` });
    assert.deepEqual(json(await command({ cmd: 'del', queue: q, key: `${q}:1` })), { queue: q, deleted: false, key: `${q}:1` });
    assert.deepEqual(json(await command({ cmd: 'del', queue: q, key: `${q}:99` })), { queue: q, deleted: false, key: `${q}:99` });
    assert.deepEqual(json(await command({ cmd: 'take', queue: q })), { queue: q, value: 'two', key: `${q}:2` });
  });

  it('takes the command from the form field msg too', async () => {
    const q = queueName();
    const a = await form(`${server.url}/queue`, { msg: JSON.stringify({ cmd: 'add', queue: q, value: 'm' }) });
    assert.deepEqual(json(a), { queue: q, value: 'm', key: `${q}:1` });
  });

  it('takes the command as a raw application/json body', async () => {
    const q = queueName();
    const a = await raw(`${server.url}/queue`, 'application/json', JSON.stringify({ cmd: 'add', queue: q, value: 'raw' }));
    assert.deepEqual(json(a), { queue: q, value: 'raw', key: `${q}:1` });
  });

  it('/queue/<queue> supplies the queue when the command has none', async () => {
    const q = queueName();
    assert.deepEqual(json(await command({ cmd: 'add', value: 'p' }, `/queue/${q}`)), { queue: q, value: 'p', key: `${q}:1` });
    assert.deepEqual(json(await command({ cmd: 'take' }, `/queue/${q}`)), { queue: q, value: 'p', key: `${q}:1` });
  });

  it('answers malformed JSON with the flat error and changes nothing', async () => {
    const q = queueName();
    await command({ cmd: 'add', queue: q, value: 'keep' });
    await assertUntouched(server.url, q, async () => {
      for (const body of ['{not json', '', '[]', '"add"', '42', 'null', JSON.stringify({ queue: q, value: 'x' }), JSON.stringify({ cmd: '', queue: q })]) {
        const a = await form(`${server.url}/queue`, { body });
        assertFlatError(a, 'malformed_json');
        assert.equal((json(a) as { error: string }).error, 'Malformed JSON');
      }
      assertFlatError(await form(`${server.url}/queue`, { other: 'field' }), 'malformed_json');
      assertFlatError(await raw(`${server.url}/queue`, 'application/json', '{"cmd":'), 'malformed_json');
    });
  });

  it('answers an unknown command with the flat null resultset error', async () => {
    const q = queueName();
    await assertUntouched(server.url, q, async () => {
      const a = await command({ cmd: 'push', queue: q, value: 'x' });
      assertFlatError(a, 'unknown_command');
      assert.match((json(a) as { error: string }).error, /^null resultset/);
      assertFlatError(await command({ cmd: 42, queue: q }), 'malformed_json');
    });
  });

  it('rejects bad fields with flat catalog errors and changes nothing', async () => {
    const q = queueName();
    await command({ cmd: 'add', queue: q, value: 'keep' });
    await assertUntouched(server.url, q, async () => {
      assertFlatError(await command({ cmd: 'add', queue: 'bad name', value: 'x' }), 'invalid_queue_name');
      assertFlatError(await command({ cmd: 'add', queue: q }), 'missing_value');
      assertFlatError(await command({ cmd: 'add', queue: q, value: null }), 'missing_value');
      assertFlatError(await command({ cmd: 'add', queue: q, value: '' }), 'missing_value');
      for (const ttl of [0, -1, 1.5, 'abc', 31536001]) {
        assertFlatError(await command({ cmd: 'add', queue: q, value: 'x', ttl }), 'invalid_ttl');
      }
      assertFlatError(await command({ cmd: 'take', queue: 'x'.repeat(129) }), 'invalid_queue_name');
      assertFlatError(await command({ cmd: 'get' }), 'invalid_queue_name');
      assertFlatError(await command({ cmd: 'del', queue: q }), 'invalid_key');
      for (const key of ['nocolon', `${q}:`, `${q}:0`, `${q}:-1`, `${q}:1.5`, `${q}:abc`, ':1', 42]) {
        assertFlatError(await command({ cmd: 'del', queue: q, key }), 'invalid_key');
      }
      const other = queueName();
      assertFlatError(await command({ cmd: 'del', queue: q, key: `${other}:1` }), 'invalid_key');
      assertFlatError(await command({ cmd: 'del', key: `${q}:1` }, `/queue/${other}`), 'invalid_key');
    });
  });
});

describe('GET /queue', () => {
  it('serves the help page with examples of every command', async () => {
    const page = await request(`${server.url}/queue`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    for (const cmd of ['add', 'get', 'take', 'del']) {
      assert.ok(page.text.includes(`&#34;cmd&#34;:&#34;${cmd}&#34;`), `example of ${cmd}`);
    }
  });
});
