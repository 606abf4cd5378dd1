// Message groups on RestMQ's own routes over a real socket: `group` on POST /q (form and
// query), POST / , a batch entry and the JSON protocol's `add`, each held to
// MAX_GROUP_ID_LENGTH printable ASCII characters (`invalid_group`); the group shown by
// GET /q/<queue> (pop and lease), peek, read by key and a COMET stream; and a group's order: its next
// message waits while one is leased, other groups and ungrouped messages do not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_GROUP_ID_LENGTH } from '../../src/core/limits.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { assertError, assertFlatError, form, json, raw, request } from '../support/http.js';

describe('message groups on RestMQ routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const url = (path: string): string => `${server.url}${path}`;
  const longest = 'g'.repeat(MAX_GROUP_ID_LENGTH);
  const tooLong = 'g'.repeat(MAX_GROUP_ID_LENGTH + 1);
  const punctuation = `a!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~z`;

  it(`POST /q/<queue> takes a group of 1-${MAX_GROUP_ID_LENGTH} printable ASCII characters and answers invalid_group otherwise`, async () => {
    const queue = queueName();
    for (const group of [longest, punctuation, 'x']) {
      assert.equal((await form(url(`/q/${queue}`), { value: 'v', group })).status, 200, group);
    }
    for (const group of [tooLong, 'has space', 'tab\t', 'é', '\u0000']) {
      assertError(await form(url(`/q/${queue}`), { value: 'v', group }, { accept: 'application/json' }), 'invalid_group');
    }
    assertError(await request(url(`/q/${queue}?group=${tooLong}`), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'v' }), 'invalid_group');
    assertError(await form(url('/'), { queue, value: 'v', group: tooLong }), 'invalid_group');
    const peeked = json(await request(url(`/q/${queue}?peek=10`))) as { group?: string }[];
    assert.deepEqual(peeked.map((m) => m.group), [longest, punctuation, 'x'], 'only the accepted publishes are stored');
  });

  it('a batch entry and the JSON protocol take a group under the same limit', async () => {
    const queue = queueName();
    const batch = await raw(url(`/q/${queue}/batch`), 'application/json', JSON.stringify([{ value: 'a', group: 'g1' }, 'b', { value: 'c', group: longest }]));
    assert.equal(batch.status, 200);
    const bad = await raw(url(`/q/${queue}/batch`), 'application/json', JSON.stringify(['ok', { value: 'x', group: tooLong }]));
    assertError(bad, 'invalid_group');
    assert.match((json(bad) as { error: { message: string } }).error.message, /^batch entry 1: /);
    const added = await raw(url('/queue'), 'application/json', JSON.stringify({ cmd: 'add', queue, value: 'd', group: 'g2' }));
    assert.equal(added.status, 200);
    assertFlatError(await raw(url('/queue'), 'application/json', JSON.stringify({ cmd: 'add', queue, value: 'e', group: tooLong })), 'invalid_group');
    assertFlatError(await raw(url('/queue'), 'application/json', JSON.stringify({ cmd: 'add', queue, value: 'e', group: 7 })), 'invalid_group');
    const peeked = json(await request(url(`/q/${queue}?peek=10`))) as { value: string; group?: string }[];
    assert.deepEqual(peeked.map((m) => [m.value, m.group ?? null]), [['a', 'g1'], ['b', null], ['c', longest], ['d', 'g2']]);
    assert.equal('group' in (peeked[1] as object), false, 'a message without a group has no group field');
  });

  it('a streamed message carries its group', async () => {
    const queue = queueName();
    assert.equal((await form(url(`/q/${queue}`), { value: 'streamed', group: 'g' })).status, 200);
    const controller = new AbortController();
    const res = await fetch(url(`/c/${queue}`), { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('\r\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    assert.deepEqual(JSON.parse(text.slice(0, text.indexOf('\r\n'))), { key: `${queue}:1`, value: 'streamed', group: 'g' });
  });

  it('pop, lease and read by key show the group; a leased member holds back the rest of its group only', async () => {
    const queue = queueName();
    for (const [value, group] of [['a1', 'a'], ['a2', 'a'], ['free', ''], ['b1', 'b']] as const) {
      assert.equal((await form(url(`/q/${queue}`), group === '' ? { value } : { value, group })).status, 200);
    }
    const leased = json(await request(url(`/q/${queue}?lease=30`))) as { key: string; value: string; group: string; receipt: string };
    assert.deepEqual([leased.value, leased.group], ['a1', 'a']);
    const byKey = json(await request(url(`/q/${queue}/${leased.key}`))) as { group: string; state: string };
    assert.deepEqual([byKey.group, byKey.state], ['a', 'leased']);
    // a2 waits behind the leased a1; the ungrouped message and group b do not.
    const next = json(await request(url(`/q/${queue}?n=10`))) as { value: string; group?: string }[];
    assert.deepEqual(next.map((m) => [m.value, m.group ?? null]), [['free', null], ['b1', 'b']]);
    assert.equal((await request(url(`/q/${queue}`))).status, 204, 'group a is busy while a1 is leased');
    assert.equal((await request(url(`/q/${queue}/${leased.key}?receipt=${leased.receipt}`), { method: 'DELETE' })).status, 200);
    const popped = json(await request(url(`/q/${queue}`))) as { value: string; group: string };
    assert.deepEqual([popped.value, popped.group], ['a2', 'a']);
  });
});
