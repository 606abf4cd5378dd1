// Publishing over HTTP: `POST /` and `POST /q/<queue>` with every body form RestMQ accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { form, isRecord, json, raw, request } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

/** Pops one message with GET /q/<queue> and returns its JSON body. */
async function pop(queue: string): Promise<Record<string, unknown>> {
  const answer = await request(`${server.url}/q/${queue}`);
  assert.equal(answer.status, 200, answer.text);
  const body = json(answer);
  assert.ok(isRecord(body));
  return body;
}

function assertKeyText(status: number, text: string, contentType: string | null, key: string): void {
  assert.equal(status, 200, text);
  assert.match(contentType ?? '', /^text\/plain/);
  assert.equal(text, `${key}\r\n`);
}

describe('POST /', () => {
  it('answers the new key as text followed by CRLF, numbering from 1', async () => {
    const q = queueName();
    const first = await form(`${server.url}/`, { queue: q, value: 'foobar' });
    assertKeyText(first.status, first.text, first.headers.get('content-type'), `${q}:1`);
    const second = await form(`${server.url}/`, { queue: q, value: 'again' });
    assertKeyText(second.status, second.text, second.headers.get('content-type'), `${q}:2`);
    assert.deepEqual(await pop(q), { key: `${q}:1`, value: 'foobar', count: 0 });
  });

  it('takes msg when value is absent', async () => {
    const q = queueName();
    const answer = await form(`${server.url}/`, { queue: q, msg: 'from msg' });
    assert.equal(answer.text, `${q}:1\r\n`);
    assert.equal((await pop(q)).value, 'from msg');
  });

  it('answers {"key"} as JSON with Accept: application/json', async () => {
    const q = queueName();
    const answer = await form(`${server.url}/`, { queue: q, value: 'v' }, { accept: 'application/json' });
    assert.equal(answer.status, 200);
    assert.deepEqual(json(answer), { key: `${q}:1` });
  });

  it('accepts a ttl and a callback', async () => {
    const q = queueName();
    const answer = await form(`${server.url}/`, { queue: q, value: 'v', ttl: '60', callback: 'done' });
    assert.equal(answer.status, 200);
    assert.equal(answer.text, `done(${JSON.stringify(`${q}:1`)});\r\n`);
    assert.equal((await pop(q)).value, 'v');
  });

  it('takes the queue from the query string beside a raw body', async () => {
    const q = queueName();
    const answer = await raw(`${server.url}/?queue=${q}`, 'application/json', '{"a":1}');
    assert.equal(answer.text, `${q}:1\r\n`);
    assert.equal((await pop(q)).value, '{"a":1}');
  });

  it('keeps UTF-8 values intact', async () => {
    const q = queueName();
    const value = 'héllo wörld € 😀 \r\n tab\t "quotes" & <tags>';
    await form(`${server.url}/`, { queue: q, value });
    assert.equal((await pop(q)).value, value);
  });
});

describe('POST /q/<queue>', () => {
  it('takes form value, then msg, answering the key as text', async () => {
    const q = queueName();
    const a = await form(`${server.url}/q/${q}`, { value: 'one' });
    assertKeyText(a.status, a.text, a.headers.get('content-type'), `${q}:1`);
    const b = await form(`${server.url}/q/${q}`, { msg: 'two' });
    assertKeyText(b.status, b.text, b.headers.get('content-type'), `${q}:2`);
    assert.equal((await pop(q)).value, 'one');
    assert.equal((await pop(q)).value, 'two');
  });

  it('prefers msg over value (as the original did), and the last repeat of a field', async () => {
    const q = queueName();
    await request(`${server.url}/q/${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'value=v&msg=first&msg=last',
    });
    assert.equal((await pop(q)).value, 'last');
  });

  it('answers JSON with Accept: application/json', async () => {
    const q = queueName();
    const answer = await form(`${server.url}/q/${q}`, { value: 'x' }, { accept: 'application/json' });
    assert.deepEqual(json(answer), { key: `${q}:1` });
  });

  it('stores a raw application/json body as its text', async () => {
    const q = queueName();
    const doc = '{ "a": [1, 2, {"b": null}], "c": "é" }';
    const answer = await raw(`${server.url}/q/${q}`, 'application/json', doc);
    assert.equal(answer.text, `${q}:1\r\n`);
    assert.equal((await pop(q)).value, doc);
  });

  it('accepts application/json with a charset parameter, and JSON scalars', async () => {
    const q = queueName();
    assert.equal((await raw(`${server.url}/q/${q}`, 'application/json; charset=utf-8', '42')).status, 200);
    assert.equal((await raw(`${server.url}/q/${q}`, 'application/json', '"text"')).status, 200);
    assert.equal((await pop(q)).value, '42');
    assert.equal((await pop(q)).value, '"text"');
  });

  it('stores a text/plain body', async () => {
    const q = queueName();
    const text = 'plain text\nwith lines ✓';
    const answer = await raw(`${server.url}/q/${q}`, 'text/plain; charset=utf-8', text);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await pop(q)).value, text);
  });

  it('stores an application/octet-stream body decoded as UTF-8', async () => {
    const q = queueName();
    const bytes = new TextEncoder().encode('bytes ✓ 😀');
    const answer = await raw(`${server.url}/q/${q}`, 'application/octet-stream', bytes);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await pop(q)).value, 'bytes ✓ 😀');
  });

  it('takes the value from the query string when there is no body', async () => {
    const q = queueName();
    const answer = await request(`${server.url}/q/${q}?value=${encodeURIComponent('from query é')}`, { method: 'POST' });
    assert.equal(answer.text, `${q}:1\r\n`);
    assert.equal((await pop(q)).value, 'from query é');
  });

  it('takes ttl from the query string beside a raw body', async () => {
    const q = queueName();
    const answer = await raw(`${server.url}/q/${q}?ttl=5`, 'text/plain', 'short lived');
    assert.equal(answer.status, 200, answer.text);
    const stats = json(await request(`${server.url}/stats/${q}`));
    assert.ok(isRecord(stats));
    assert.equal(stats.len, 1);
    assert.equal((await pop(q)).value, 'short lived');
  });

  it('accepts queue names of every allowed character, up to 128 of them', async () => {
    for (const q of ['a', 'A-z_0.9:x@y', 'x'.repeat(128)]) {
      const answer = await form(`${server.url}/q/${q}`, { value: 'v' });
      assert.equal(answer.status, 200, `${q}: ${answer.text}`);
      assert.equal((await pop(q)).value, 'v');
    }
  });
});
