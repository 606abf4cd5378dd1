// Publishing under the reliable-delivery rules over a real socket: batches (all or
// nothing, entry forms, every limit), dedup ids (form and Idempotency-Key, window),
// max_length answering 429 with Retry-After, delays, and RestMQ's own routes answering
// exactly as before. Peek and read by key are in by-key.test.ts, config in
// settings.test.ts, dropping a queue in queues.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from '../../src/core/limits.js';
import { BATCH_BODY_LIMIT } from '../../src/http/routes/messages.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { errorCode, jsonInit } from '../support/http.js';

describe('publishing with batches, dedup, limits and config', () => {
  let server: TestServer;
  let clock = Date.UTC(2031, 0, 1);
  before(async () => {
    server = await startTestServer({}, { now: () => clock });
  });
  after(() => server.stop());

  const url = (path: string): string => `${server.url}${path}`;
  const json = jsonInit;
  const code = errorCode;
  async function values(queue: string): Promise<string[]> {
    return ((await (await fetch(url(`/q/${queue}?peek=100`))).json()) as { value: string }[]).map((m) => m.value);
  }

  it('stores a batch of values and entry objects, keys in order', async () => {
    const queue = queueName();
    const res = await fetch(url(`/q/${queue}/batch`), json('POST', ['plain', { value: 'obj', ttl: 60, delay: 0, dedup: 'd1' }, { value: { nested: [1] } }, 42]));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      queue,
      keys: [1, 2, 3, 4].map((n) => `${queue}:${n}`),
      duplicate: [false, false, false, false],
    });
    assert.deepEqual(await values(queue), ['plain', 'obj', '{"nested":[1]}', '42']);
  });

  it('stores nothing when one batch entry is bad', async () => {
    const queue = queueName();
    const cases: [unknown, string][] = [
      [['ok', ''], 'missing_value'],
      [['ok', null], 'missing_value'],
      [['ok', { value: 'x', ttl: 0 }], 'invalid_ttl'],
      [['ok', { value: 'x', delay: 604801 }], 'invalid_delay'],
      [['ok', { value: 'x', dedup: 'has space' }], 'invalid_dedup_id'],
      [['ok', { value: 'x', colour: 'red' }], 'invalid_batch'],
      [[], 'invalid_batch'],
      [{ value: 'not an array' }, 'invalid_batch'],
      [['ok', 'x'.repeat(1_048_577)], 'message_too_large'],
    ];
    for (const [body, expected] of cases) {
      const res = await fetch(url(`/q/${queue}/batch`), json('POST', body));
      assert.equal(await code(res), expected, JSON.stringify(body).slice(0, 60));
    }
    assert.equal(await code(await fetch(url(`/q/${queue}/batch`), json('POST', '[1,'))), 'malformed_json');
    assert.equal((await fetch(url(`/q/${queue}/batch`), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' })).status, 415);
    assert.deepEqual(await values(queue), [], 'no bad batch stored anything');
    assert.equal((await fetch(url(`/stats/${queue}`)).then((r) => r.json()) as { published: number }).published, 0);
  });

  it('limits batch entries and total bytes', async () => {
    const queue = queueName();
    const most = await fetch(url(`/q/${queue}/batch`), json('POST', Array.from({ length: MAX_BATCH_ENTRIES }, (_, i) => `v${i}`)));
    assert.equal(most.status, 200);
    const tooMany = await fetch(url(`/q/${queue}/batch`), json('POST', Array.from({ length: MAX_BATCH_ENTRIES + 1 }, () => 'v')));
    assert.equal(tooMany.status, 400);
    assert.equal(await code(tooMany), 'invalid_batch');
    const chunk = 'y'.repeat(1_000_000);
    const tooBig = await fetch(url(`/q/${queue}/batch`), json('POST', [chunk, chunk, chunk, chunk, 'y'.repeat(MAX_BATCH_BYTES - 4_000_000 + 1)]));
    assert.equal(tooBig.status, 413);
    assert.equal(await code(tooBig), 'batch_too_large');
    const exact = await fetch(url(`/q/${queue}.b/batch`), json('POST', [chunk, chunk, chunk, chunk, 'y'.repeat(MAX_BATCH_BYTES - 4_000_000)]));
    assert.equal(exact.status, 200);
    const rawTooBig = await fetch(url(`/q/${queue}.c/batch`), json('POST', `["${'z'.repeat(BATCH_BODY_LIMIT)}"]`));
    assert.equal(rawTooBig.status, 413);
    assert.equal(await code(rawTooBig), 'message_too_large');
  });

  it('deduplicates by form field or Idempotency-Key within the window', async () => {
    const queue = queueName();
    const first = await postForm(url(`/q/${queue}`), { value: 'pay', dedup: 'order-7' });
    const key = (await first.text()).trim();
    const again = await postForm(url(`/q/${queue}`), { value: 'pay twice' }, { 'idempotency-key': 'order-7', accept: 'application/json' });
    assert.deepEqual(await again.json(), { key, duplicate: true });
    assert.deepEqual(await values(queue), ['pay']);
    clock += 300_000; // the default window is 5 minutes
    const later = await postForm(url(`/q/${queue}`), { value: 'pay later', dedup: 'order-7' });
    assert.equal((await later.text()).trim(), `${queue}:2`);
    const bad = await postForm(url(`/q/${queue}`), { value: 'x', dedup: 'z'.repeat(129) });
    assert.equal(await code(bad), 'invalid_dedup_id');
    assert.equal((await postForm(url(`/q/${queue}`), { value: 'x', dedup: 'z'.repeat(128) })).status, 200);
  });

  it('answers 429 with Retry-After at max_length and stores nothing', async () => {
    const queue = queueName();
    assert.equal((await fetch(url(`/q/${queue}/config`), json('PUT', { max_length: 2 }))).status, 200);
    await postForm(url(`/q/${queue}`), { value: 'a' });
    await postForm(url(`/q/${queue}`), { value: 'b' });
    const full = await postForm(url(`/q/${queue}`), { value: 'c' });
    assert.equal(full.status, 429);
    assert.equal(full.headers.get('retry-after'), '1');
    assert.equal(await code(full), 'queue_full');
    const batch = await fetch(url(`/q/${queue}/batch`), json('POST', ['d']));
    assert.equal(batch.status, 429);
    assert.deepEqual(await values(queue), ['a', 'b']);
    await fetch(url(`/q/${queue}`));
    assert.equal((await postForm(url(`/q/${queue}`), { value: 'c' })).status, 200);
  });

  it('delays a publish, by argument or queue default', async () => {
    const queue = queueName();
    await postForm(url(`/q/${queue}`), { value: 'later', delay: '30' });
    await postForm(url(`/q/${queue}`), { value: 'now' });
    assert.equal(((await (await fetch(url(`/q/${queue}`))).json()) as { value: string }).value, 'now');
    assert.equal((await fetch(url(`/q/${queue}`))).status, 204);
    clock += 30_000;
    assert.equal(((await (await fetch(url(`/q/${queue}`))).json()) as { value: string }).value, 'later');
    await fetch(url(`/q/${queue}/config`), json('PUT', { delay: 10 }));
    await postForm(url(`/q/${queue}`), { value: 'default delay' });
    assert.equal((await fetch(url(`/q/${queue}`))).status, 204);
    clock += 10_000;
    assert.equal((await fetch(url(`/q/${queue}`))).status, 200);
    assert.equal(await code(await postForm(url(`/q/${queue}`), { value: 'x', delay: '604801' })), 'invalid_delay');
  });

  it('keeps RestMQ routes unchanged', async () => {
    const queue = queueName();
    const key = (await (await postForm(url(`/q/${queue}`), { value: 'classic' })).text()).trim();
    const pop = await fetch(url(`/q/${queue}`));
    assert.equal(await pop.text(), `${JSON.stringify({ key, value: 'classic', count: 0 })}\r\n`);
    assert.equal((await fetch(url(`/q/${queue}`))).status, 204);
    const purge = await fetch(url(`/q/${queue}`), { method: 'DELETE' });
    assert.deepEqual(await purge.json(), { queue, status: 0, purged: 0 });
  });
});
