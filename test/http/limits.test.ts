// The message size limit, counted in UTF-8 bytes of the stored value, at its exact boundary
// in every body form, on a server started with a small maxMessageBytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, assertFlatError, assertUntouched, counters, form, isRecord, json, raw, request } from '../support/http.js';
import type { Answer } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const MAX = 1024;

const server = useTestServer({ maxMessageBytes: MAX });

/** Values of exactly MAX bytes and of MAX + 1 bytes, built from characters of 1 to 4 bytes. */
const CASES: { name: string; fits: string; over: string }[] = [
  { name: 'ASCII', fits: 'a'.repeat(MAX), over: 'a'.repeat(MAX + 1) },
  { name: '2-byte é', fits: 'é'.repeat(MAX / 2), over: `${'é'.repeat(MAX / 2)}a` },
  { name: '3-byte €', fits: `${'€'.repeat(341)}a`, over: '€'.repeat(342) },
  { name: '4-byte 😀', fits: '😀'.repeat(MAX / 4), over: `${'😀'.repeat(MAX / 4 - 1)}aaaaa` },
];

for (const c of CASES) {
  assert.equal(Buffer.byteLength(c.fits), MAX, `${c.name} fits`);
  assert.ok(Buffer.byteLength(c.over) > MAX && Buffer.byteLength(c.over) <= MAX + 2, `${c.name} over`);
}

/** Publishes `value` in one body form and returns the answer. */
type Publisher = (queue: string, value: string) => Promise<Answer>;

const PUBLISHERS: Record<string, Publisher> = {
  'form POST /q/<queue>': (q, v) => form(`${server.url}/q/${q}`, { value: v }),
  'form POST /': (q, v) => form(`${server.url}/`, { queue: q, value: v }),
  'query string': (q, v) => request(`${server.url}/q/${q}?value=${encodeURIComponent(v)}`, { method: 'POST' }),
  'text/plain': (q, v) => raw(`${server.url}/q/${q}`, 'text/plain; charset=utf-8', v),
  'application/octet-stream': (q, v) => raw(`${server.url}/q/${q}`, 'application/octet-stream', new TextEncoder().encode(v)),
};

describe('maxMessageBytes boundary', () => {
  for (const [how, publish] of Object.entries(PUBLISHERS)) {
    it(`${how}: exactly the maximum is stored intact, one byte more is 413`, async () => {
      const q = queueName();
      for (const c of CASES) {
        const ok = await publish(q, c.fits);
        assert.equal(ok.status, 200, `${c.name}: ${ok.text.slice(0, 200)}`);
        const popped = json(await request(`${server.url}/q/${q}`));
        assert.ok(isRecord(popped));
        assert.equal(popped.value, c.fits, `${c.name} round trip`);
        await assertUntouched(server.url, q, async () => {
          assertError(await publish(q, c.over), 'message_too_large');
        });
      }
    });
  }

  it('a raw JSON body counts its text: a string document of exactly the maximum fits', async () => {
    const q = queueName();
    const fits = JSON.stringify('é'.repeat((MAX - 2) / 2));
    assert.equal(Buffer.byteLength(fits), MAX);
    assert.equal((await raw(`${server.url}/q/${q}`, 'application/json', fits)).status, 200);
    await assertUntouched(server.url, q, async () => {
      assertError(await raw(`${server.url}/q/${q}`, 'application/json', JSON.stringify(`${'é'.repeat((MAX - 2) / 2)}a`)), 'message_too_large');
    });
    assert.equal((await counters(server.url, q)).len, 1);
  });

  it('the JSON protocol add counts the stored value', async () => {
    const q = queueName();
    for (const c of CASES) {
      const ok = await form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'add', queue: q, value: c.fits }) });
      assert.equal(ok.status, 200, c.name);
      await assertUntouched(server.url, q, async () => {
        const over = await form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'add', queue: q, value: c.over }) });
        assertFlatError(over, 'message_too_large');
      });
    }
    // A structured value is stored as its JSON text, and that text is what counts.
    const doc = { v: 'a'.repeat(MAX - 8) };
    assert.equal(Buffer.byteLength(JSON.stringify(doc)), MAX);
    assert.equal((await raw(`${server.url}/queue`, 'application/json', JSON.stringify({ cmd: 'add', queue: q, value: doc }))).status, 200);
    const bigger = { v: 'a'.repeat(MAX - 7) };
    await assertUntouched(server.url, q, async () => {
      assertFlatError(await raw(`${server.url}/queue`, 'application/json', JSON.stringify({ cmd: 'add', queue: q, value: bigger })), 'message_too_large');
    });
  });

  it('a body far past the limit is refused as 413 before it is parsed', async () => {
    const q = queueName();
    const huge = 'x'.repeat(200_000);
    await assertUntouched(server.url, q, async () => {
      assertError(await raw(`${server.url}/q/${q}`, 'text/plain', huge), 'message_too_large');
      assertError(await raw(`${server.url}/q/${q}`, 'application/octet-stream', huge), 'message_too_large');
      assertError(await raw(`${server.url}/q/${q}`, 'application/json', JSON.stringify(huge)), 'message_too_large');
      assertError(await form(`${server.url}/q/${q}`, { value: huge }), 'message_too_large');
      assertFlatError(await raw(`${server.url}/queue`, 'application/json', JSON.stringify({ cmd: 'add', queue: q, value: huge })), 'message_too_large');
      assertFlatError(await form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'add', queue: q, value: huge }) }), 'message_too_large');
    });
  });
});
