// A queue's settings over HTTP: `/p/<queue>`, `/control/<queue>` and `/q/<queue>/config`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { form, json, request, publishValue, jsonInit, errorCode } from '../support/http.js';
import { queueName, startTestServer, useTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

const server = useTestServer();

const publish = (queue: string, value: string): Promise<string> => publishValue(server.url, queue, value);

describe('/p/<queue>', () => {
  it('reports broadcast by default and sets roundrobin and back', async () => {
    const q = queueName();
    assert.deepEqual(json(await request(`${server.url}/p/${q}`)), { queue: q, value: 'broadcast' });
    const set = await form(`${server.url}/p/${q}`, { policy: 'roundrobin' });
    assert.equal(set.status, 200);
    assert.equal(set.text, 'OK\r\n');
    assert.match(set.headers.get('content-type') ?? '', /^text\/plain/);
    assert.deepEqual(json(await request(`${server.url}/p/${q}`)), { queue: q, value: 'roundrobin' });
    await form(`${server.url}/p/${q}`, { policy: 'broadcast' });
    assert.deepEqual(json(await request(`${server.url}/p/${q}`)), { queue: q, value: 'broadcast' });
  });

  it('takes the policy from the query string too', async () => {
    const q = queueName();
    assert.equal((await request(`${server.url}/p/${q}?policy=roundrobin`, { method: 'POST' })).status, 200);
    assert.deepEqual(json(await request(`${server.url}/p/${q}`)), { queue: q, value: 'roundrobin' });
  });
});

describe('/control/<queue>', () => {
  it('reports started by default, stops and starts', async () => {
    const q = queueName();
    assert.deepEqual(json(await request(`${server.url}/control/${q}`)), { queue: q, status: 'started' });
    const stop = await form(`${server.url}/control/${q}`, { status: 'stop' });
    assert.equal(stop.status, 200);
    assert.deepEqual(json(stop), { queue: q, status: 'stopped', stat: { queue: q, status: 'stopped' } });
    assert.deepEqual(json(await request(`${server.url}/control/${q}`)), { queue: q, status: 'stopped' });
    const start = await form(`${server.url}/control/${q}`, { status: 'start' });
    assert.deepEqual(json(start), { queue: q, status: 'started', stat: { queue: q, status: 'started' } });
    assert.deepEqual(json(await request(`${server.url}/control/${q}`)), { queue: q, status: 'started' });
  });

  it('does not stop pops: a stopped queue still answers GET /q/<queue>', async () => {
    const q = queueName();
    await publish(q, 'v');
    await form(`${server.url}/control/${q}`, { status: 'stop' });
    assert.equal((await request(`${server.url}/q/${q}`)).status, 200);
  });
});

describe('queue config', () => {
  let server: TestServer;
  const clock = Date.UTC(2031, 0, 1);
  before(async () => {
    server = await startTestServer({}, { now: () => clock });
  });
  after(() => server.stop());

  const url = (path: string): string => `${server.url}${path}`;
  const json = jsonInit;
  const code = errorCode;

  it('reads and changes the queue config, refusing bad fields', async () => {
    const queue = queueName();
    const defaults: unknown = await (await fetch(url(`/q/${queue}/config`))).json();
    assert.deepEqual(defaults, {
      queue,
      policy: 'broadcast',
      status: 'started',
      lease: 30,
      max_attempts: 5,
      dead_letter: `${queue}.dlq`,
      delay: 0,
      ttl: null,
      max_length: null,
      dedup_window: 300,
    });
    const put = await fetch(url(`/q/${queue}/config`), json('PUT', { policy: 'roundrobin', status: 'stop', lease: 60, dead_letter: 'graveyard', ttl: 3600, dedup_window: 0 }));
    const body = (await put.json()) as Record<string, unknown>;
    assert.deepEqual([body.policy, body.status, body.lease, body.dead_letter, body.ttl, body.dedup_window], ['roundrobin', 'stopped', 60, 'graveyard', 3600, 0]);
    assert.deepEqual(await (await fetch(url(`/p/${queue}`))).json(), { queue, value: 'roundrobin' }, '/p stays a shortcut');
    const bad: Record<string, unknown>[] = [
      { lease: 0 },
      { lease: 43201 },
      { max_attempts: -1 },
      { max_attempts: 1001 },
      { dead_letter: queue },
      { dead_letter: 'bad name!' },
      { delay: 604801 },
      { ttl: 0 },
      { max_length: 0 },
      { dedup_window: 86401 },
      { policy: 'random' },
      { unknown: 1 },
      { lease: '30' },
    ];
    for (const patch of bad) {
      const res = await fetch(url(`/q/${queue}/config`), json('PUT', patch));
      assert.equal(res.status, 400, JSON.stringify(patch));
      assert.equal(await code(res), 'invalid_config');
    }
    assert.equal(await code(await fetch(url(`/q/${queue}/config`), json('PUT', '[1]'))), 'invalid_config');
    assert.equal(await code(await fetch(url(`/q/${queue}/config`), json('PUT', '{'))), 'malformed_json');
    assert.equal(((await (await fetch(url(`/q/${queue}/config`))).json()) as { lease: number }).lease, 60, 'bad patches changed nothing');
  });
});
