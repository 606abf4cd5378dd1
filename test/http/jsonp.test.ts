// JSONP: `callback=` wraps every JSON answer (and the key text, and errors) as JavaScript that
// parses and calls the callback with the same object a JSON client would get.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import { assertJsonp, form, isRecord, raw, request, runJsonp } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

function catalog(code: keyof typeof ERROR_CATALOG): { error: { code: string; message: string } } {
  return { error: { code, message: ERROR_CATALOG[code].message } };
}

describe('JSONP on message routes', () => {
  it('wraps the key text of POST / and POST /q/<queue> as a JSON string', async () => {
    const q = queueName();
    assertJsonp(await form(`${server.url}/`, { queue: q, value: 'v', callback: 'cb' }), 'cb', `${q}:1`);
    assertJsonp(await form(`${server.url}/q/${q}?callback=cb`, { value: 'v' }), 'cb', `${q}:2`);
    assertJsonp(await raw(`${server.url}/q/${q}?callback=cb`, 'text/plain', 'v'), 'cb', `${q}:3`);
  });

  it('wraps the JSON key answer when the client also asks for JSON', async () => {
    const q = queueName();
    const answer = await form(`${server.url}/q/${q}`, { value: 'v', callback: 'cb' }, { accept: 'application/json' });
    assertJsonp(answer, 'cb', { key: `${q}:1` });
  });

  it('wraps pops, with values that are hostile to naive JavaScript', async () => {
    const q = queueName();
    const value = '</script>\u2028\u2029"); alert(1); //\\ \'';
    await form(`${server.url}/q/${q}`, { value });
    await form(`${server.url}/q/${q}`, { value: 'second' });
    assertJsonp(await request(`${server.url}/q/${q}?callback=cb`), 'cb', { key: `${q}:1`, value, count: 0 });
    assertJsonp(await request(`${server.url}/?queue=${q}&callback=cb`), 'cb', { key: `${q}:2`, value: 'second', count: 0 });
  });

  it('wraps errors, with their status', async () => {
    const q = queueName();
    assertJsonp(await request(`${server.url}/?queue=${q}&callback=cb`), 'cb', catalog('queue_empty'), 404);
    assertJsonp(await form(`${server.url}/q/${q}?callback=cb`, {}), 'cb', catalog('missing_value'), 400);
    assertJsonp(await form(`${server.url}/q/bad!name`, { value: 'v', callback: 'cb' }), 'cb', catalog('invalid_queue_name'), 400);
    assertJsonp(await request(`${server.url}/no/such/route?callback=cb`), 'cb', catalog('not_found'), 404);
  });

  it('wraps the queue list and a purge', async () => {
    const q = queueName();
    await form(`${server.url}/q/${q}`, { value: 'v' });
    const list = await request(`${server.url}/q/?callback=cb`);
    const [[listed]] = runJsonp(list.text, 'cb') as [[unknown]];
    assert.ok(isRecord(listed) && Array.isArray(listed.queues) && listed.queues.includes(q));
    assertJsonp(await request(`${server.url}/q/${q}?callback=cb`, { method: 'DELETE' }), 'cb', { queue: q, status: 1, purged: 1 });
  });
});

describe('JSONP on admin routes and probes', () => {
  it('wraps /p, /control, /stats, /healthz and /readyz', async () => {
    const q = queueName();
    assertJsonp(await request(`${server.url}/p/${q}?callback=cb`), 'cb', { queue: q, value: 'broadcast' });
    assertJsonp(await form(`${server.url}/p/${q}`, { policy: 'roundrobin', callback: 'cb' }), 'cb', 'OK');
    assertJsonp(await request(`${server.url}/control/${q}?callback=cb`), 'cb', { queue: q, status: 'started' });
    assertJsonp(await form(`${server.url}/control/${q}`, { status: 'stop', callback: 'cb' }), 'cb', {
      queue: q,
      status: 'stopped',
      stat: { queue: q, status: 'stopped' },
    });
    assertJsonp(await form(`${server.url}/control/${q}`, { status: 'pause', callback: 'cb' }), 'cb', catalog('invalid_status'), 400);
    const stats = await request(`${server.url}/stats/${q}?callback=cb`);
    const [[one]] = runJsonp(stats.text, 'cb') as [[unknown]];
    assert.ok(isRecord(one) && one.queue === q && one.policy === 'roundrobin' && one.status === 'stopped');
    const all = await request(`${server.url}/stats/?callback=cb`);
    const [[every]] = runJsonp(all.text, 'cb') as [[unknown]];
    assert.ok(isRecord(every) && isRecord(every.queues) && isRecord(every.queues[q]));
    assertJsonp(await request(`${server.url}/healthz?callback=cb`), 'cb', { status: 'ok' });
    assertJsonp(await request(`${server.url}/readyz?callback=cb`), 'cb', { status: 'ready', store: 'sqlite' });
  });
});

describe('JSONP on the JSON protocol', () => {
  it('wraps answers and flat errors of /queue', async () => {
    const q = queueName();
    const add = JSON.stringify({ cmd: 'add', queue: q, value: 'v' });
    assertJsonp(await form(`${server.url}/queue`, { body: add, callback: 'cb' }), 'cb', { queue: q, value: 'v', key: `${q}:1` });
    assertJsonp(await form(`${server.url}/queue?callback=cb`, { body: JSON.stringify({ cmd: 'get', queue: q }) }), 'cb', {
      queue: q,
      value: 'v',
      key: `${q}:1`,
      count: 1,
    });
    assertJsonp(await form(`${server.url}/queue`, { body: '{oops', callback: 'cb' }), 'cb', {
      error: 'Malformed JSON',
      code: 'malformed_json',
    }, 400);
  });
});

describe('callback names', () => {
  it('accepts dotted paths, $ and _, and names of exactly 128 characters', async () => {
    const q = queueName();
    for (const cb of ['jQuery123_456', 'a.b.c', '$', '_x$', `c${'a'.repeat(127)}`]) {
      const answer = await request(`${server.url}/p/${q}?callback=${cb}`);
      assertJsonp(answer, cb, { queue: q, value: 'broadcast' });
    }
  });

  it('treats an empty callback as none', async () => {
    const q = queueName();
    const answer = await request(`${server.url}/p/${q}?callback=`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  });
});
