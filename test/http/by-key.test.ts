// One message by its key over HTTP: `GET /q/<queue>/<key>` reads it without taking it (as
// `peek=N` reads the oldest), `DELETE /q/<queue>/<key>` removes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

describe('reading one message by key', () => {
  let server: TestServer;
  const clock = Date.UTC(2031, 0, 1);
  before(async () => {
    server = await startTestServer({}, { now: () => clock });
  });
  after(() => server.stop());

  const url = (path: string): string => `${server.url}${path}`;
  async function code(res: Response): Promise<string> {
    return ((await res.json()) as { error: { code: string } }).error.code;
  }
  async function values(queue: string): Promise<string[]> {
    return ((await (await fetch(url(`/q/${queue}?peek=100`))).json()) as { value: string }[]).map((m) => m.value);
  }

  it('peeks at messages and reads one by key without taking them', async () => {
    const queue = queueName();
    const key = (await (await postForm(url(`/q/${queue}`), { value: 'look' })).text()).trim();
    await postForm(url(`/q/${queue}`), { value: 'second' });
    const one = (await (await fetch(url(`/q/${queue}/${key}`))).json()) as Record<string, unknown>;
    assert.equal(one.value, 'look');
    assert.equal(one.state, 'ready');
    assert.equal(one.attempts, 0);
    assert.equal((await fetch(url(`/q/${queue}?peek=1`)).then((r) => r.json()) as unknown[]).length, 1);
    assert.deepEqual(await values(queue), ['look', 'second']);
    assert.equal(await code(await fetch(url(`/q/${queue}/${queue}:99`))), 'message_not_found');
    assert.equal(await code(await fetch(url(`/q/${queue}/not-a-key`))), 'invalid_key');
    const del = await fetch(url(`/q/${queue}/${key}`), { method: 'DELETE' });
    assert.deepEqual(await del.json(), { queue, key, deleted: true });
  });
});
