// Media types match in any letter case, and text that is not UTF-8 (bodies of every
// content type, form fields and query parameters after %-decoding, lone surrogates spelled
// in JSON strings) answers 400 invalid_utf8 instead of being stored as U+FFFD.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { assertError, assertFlatError, assertUntouched, isRecord, json, raw, request, seededQueue as seedQueue } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

const seededQueue = (): Promise<string> => seedQueue(server.url);

/** The values of a queue, oldest first. */
async function values(q: string): Promise<unknown[]> {
  const peeked = json(await request(`${server.url}/q/${q}?peek=100`));
  assert.ok(Array.isArray(peeked));
  return peeked.map((m) => (isRecord(m) ? m.value : undefined));
}

/** Bytes of `text` with raw bytes spliced in, as a client sending a broken encoding would. */
function bytes(...parts: (string | number[])[]): Uint8Array {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
}

describe('media types in any letter case', () => {
  it('an upper-case application/json body is checked as JSON like a lower-case one', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const type of ['APPLICATION/JSON', 'Application/Json; Charset=UTF-8', ' application/JSON ']) {
        assertError(await raw(`${server.url}/q/${q}`, type, '{not json'), 'malformed_json');
      }
    });
    assert.equal((await raw(`${server.url}/q/${q}`, 'APPLICATION/JSON', '{"a":1}')).status, 200);
    assert.deepEqual(await values(q), ['seed', '{"a":1}']);
  });

  it('an upper-case form content type is read as a form', async () => {
    const q = queueName();
    const answer = await raw(`${server.url}/q/${q}`, 'APPLICATION/X-WWW-FORM-URLENCODED', 'value=formed&ttl=60');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(await values(q), ['formed']);
    assertFlatError(await raw(`${server.url}/queue`, 'Application/X-Www-Form-Urlencoded', 'body=%7Bnot'), 'malformed_json');
  });

  it('an upper-case Accept asks for JSON', async () => {
    const q = queueName();
    const answer = await request(`${server.url}/q/${q}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'APPLICATION/JSON' },
      body: 'v',
    });
    assert.deepEqual(json(answer), { key: `${q}:1` });
  });
});

describe('text that is not UTF-8', () => {
  const broken = [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf]];

  it('in a text/plain, application/json or octet-stream body answers 400 invalid_utf8', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const bad of broken) {
        assertError(await raw(`${server.url}/q/${q}`, 'text/plain', bytes('a', bad, 'b')), 'invalid_utf8');
        assertError(await raw(`${server.url}/q/${q}`, 'text/plain; charset=utf-8', bytes(bad)), 'invalid_utf8');
        assertError(await raw(`${server.url}/q/${q}`, 'application/json', bytes('"', bad, '"')), 'invalid_utf8');
        assertError(await raw(`${server.url}/q/${q}`, 'application/octet-stream', bytes(bad)), 'invalid_utf8');
        assertError(await raw(`${server.url}/q/${q}/batch`, 'application/json', bytes('["', bad, '"]')), 'invalid_utf8');
        assertFlatError(
          await raw(`${server.url}/queue`, 'application/json', bytes(`{"cmd":"add","queue":"${q}","value":"`, bad, '"}')),
          'invalid_utf8',
        );
      }
    });
  });

  it('in a form body, raw or %-escaped, answers 400 invalid_utf8', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const bad of broken) {
        const escaped = bad.map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
        const type = 'application/x-www-form-urlencoded';
        assertError(await raw(`${server.url}/q/${q}`, type, `value=a${escaped}b`), 'invalid_utf8');
        assertError(await raw(`${server.url}/q/${q}`, type, bytes('value=a', bad)), 'invalid_utf8');
        // In a name too: the field could be anything, so the whole form is refused.
        assertError(await raw(`${server.url}/q/${q}`, type, `value=ok&x${escaped}=1`), 'invalid_utf8');
        assertFlatError(await raw(`${server.url}/queue`, type, `body=${escaped}`), 'invalid_utf8');
      }
    });
  });

  it('in a query parameter answers 400 invalid_utf8, on reads as on writes', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      assertError(await request(`${server.url}/q/${q}?value=a%FF`, { method: 'POST' }), 'invalid_utf8');
      assertError(await request(`${server.url}/q/${q}?peek=1&x=%C3`), 'invalid_utf8');
      assertError(await request(`${server.url}/?queue=${q}&%ED%A0%80=1`), 'invalid_utf8');
      assertError(await request(`${server.url}/stats/${q}?callback=%FF`), 'invalid_utf8');
    });
  });

  it('a lone surrogate spelled in a JSON string answers 400 invalid_utf8', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      assertFlatError(await raw(`${server.url}/queue`, 'application/json', `{"cmd":"add","queue":"${q}","value":"a\\ud800"}`), 'invalid_utf8');
      assertError(await raw(`${server.url}/q/${q}/batch`, 'application/json', '["ok", "\\udfff"]'), 'invalid_utf8');
      assertError(await raw(`${server.url}/q/${q}/batch`, 'application/json', '[{"value":"\\ud83d"}]'), 'invalid_utf8');
    });
    // A surrogate pair is one character, and a JSON document keeps its escapes as text.
    assert.equal((await raw(`${server.url}/queue`, 'application/json', `{"cmd":"add","queue":"${q}","value":"\\ud83d\\ude00"}`)).status, 200);
    assert.equal((await raw(`${server.url}/q/${q}`, 'application/json', '"\\ud800"')).status, 200);
    assert.deepEqual(await values(q), ['seed', '\u{1f600}', '"\\ud800"']);
  });

  it('a WebSocket text frame that is not UTF-8 closes the socket with 1007; the server serves on', async () => {
    const q = queueName();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws/${q}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => undefined); // the client sees its own frame refused; the close code says so
    socket.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
    assert.equal(await closed, 1007);
    assert.equal((await request(`${server.url}/healthz`)).status, 200);
  });
});

describe('valid text is decoded as before', () => {
  it('form and query values decode %-escaped and raw UTF-8, + as space, and keep broken escapes as typed', async () => {
    const q = queueName();
    const type = 'application/x-www-form-urlencoded';
    for (const body of ['value=%C3%A9t%C3%A9', 'value=été', 'value=a+b%2Bc', 'value=100%', 'value=%ZZ%41', 'value=x%E2%82%AC%']) {
      const answer = await raw(`${server.url}/q/${q}`, type, body);
      assert.equal(answer.status, 200, `${body}: ${answer.text}`);
    }
    assert.equal((await request(`${server.url}/q/${q}?value=%F0%9F%98%80+q`, { method: 'POST' })).status, 200);
    assert.deepEqual(await values(q), ['été', 'été', 'a b+c', '100%', '%ZZA', 'x€%', '\u{1f600} q']);
  });

  it('a field named __proto__ is only a field', async () => {
    const q = queueName();
    const answer = await raw(`${server.url}/q/${q}`, 'application/x-www-form-urlencoded', '__proto__=x&value=v&constructor=y');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(await values(q), ['v']);
  });

  it('a repeated argument counts its last value, as before', async () => {
    const q = queueName();
    assert.equal((await raw(`${server.url}/q/${q}`, 'application/x-www-form-urlencoded', 'value=a&value=b&value=c')).status, 200);
    assert.deepEqual(await values(q), ['c']);
  });
});
