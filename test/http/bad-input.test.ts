// Bad input on every RestMQ route: each answers a 4xx catalog error (never a 500) and leaves
// the store as it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertError,
  assertFlatError,
  assertNoQueueCreated,
  assertUntouched,
  counters,
  form,
  json,
  raw,
  request,
  seededQueue as seedQueue,
} from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';

const server = useTestServer();

const seededQueue = (): Promise<string> => seedQueue(server.url);

const INVALID_NAMES = ['a b', 'a/b', 'é', '<x>', 'a*', 'a,b', 'a%b', 'a#b', 'x'.repeat(129)];

describe('invalid queue names', () => {
  it('are rejected on every route that takes a name in the path, and no queue appears', async () => {
    await assertNoQueueCreated(server.url, async () => {
      for (const name of INVALID_NAMES) {
        const path = encodeURIComponent(name);
        assertError(await form(`${server.url}/q/${path}`, { value: 'v' }), 'invalid_queue_name');
        assertError(await raw(`${server.url}/q/${path}`, 'text/plain', 'v'), 'invalid_queue_name');
        assertError(await request(`${server.url}/q/${path}`), 'invalid_queue_name');
        assertError(await request(`${server.url}/q/${path}`, { method: 'DELETE' }), 'invalid_queue_name');
        assertError(await request(`${server.url}/p/${path}`), 'invalid_queue_name');
        assertError(await form(`${server.url}/p/${path}`, { policy: 'roundrobin' }), 'invalid_queue_name');
        assertError(await request(`${server.url}/control/${path}`), 'invalid_queue_name');
        assertError(await form(`${server.url}/control/${path}`, { status: 'stop' }), 'invalid_queue_name');
        assertError(await request(`${server.url}/stats/${path}`), 'invalid_queue_name');
        assertError(await request(`${server.url}/j/${path}`), 'invalid_queue_name');
        assertFlatError(await form(`${server.url}/queue/${path}`, { body: '{"cmd":"add","value":"v"}' }), 'invalid_queue_name');
      }
    });
  });

  it('are rejected by POST / and GET /?queue=, including the empty name', async () => {
    await assertNoQueueCreated(server.url, async () => {
      for (const name of [...INVALID_NAMES, '']) {
        assertError(await form(`${server.url}/`, { queue: name, value: 'v' }), 'invalid_queue_name');
        assertError(await request(`${server.url}/?queue=${encodeURIComponent(name)}`), 'invalid_queue_name');
        assertFlatError(await form(`${server.url}/queue`, { body: JSON.stringify({ cmd: 'add', queue: name, value: 'v' }) }), 'invalid_queue_name');
      }
      assertError(await form(`${server.url}/`, { value: 'v' }), 'invalid_queue_name');
    });
  });

  it('a path parameter longer than the router allows is an invalid name, not a framework error', async () => {
    await assertNoQueueCreated(server.url, async () => {
      assertError(await form(`${server.url}/q/${'x'.repeat(2000)}`, { value: 'v' }), 'invalid_queue_name');
      assertError(await request(`${server.url}/stats/${'x'.repeat(2000)}`), 'invalid_queue_name');
    });
  });

  it('a malformed %-escape in the path answers the catalog bad_request', async () => {
    await assertNoQueueCreated(server.url, async () => {
      assertError(await form(`${server.url}/q/%ZZ`, { value: 'v' }), 'bad_request');
    });
  });

  it('128 characters are accepted and 129 are not', async () => {
    const name = `${queueName()}-`.padEnd(128, 'n');
    assert.equal(name.length, 128);
    assert.equal((await form(`${server.url}/q/${name}`, { value: 'v' })).status, 200);
    assert.equal((await form(`${server.url}/`, { queue: name, value: 'v' })).status, 200);
    assert.deepEqual(await counters(server.url, name), { len: 2, published: 2 });
    await assertUntouched(server.url, name, async () => {
      assertError(await form(`${server.url}/q/${name}x`, { value: 'v' }), 'invalid_queue_name');
    });
  });
});

describe('missing or empty values', () => {
  it('are rejected in every body form, and nothing is stored', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      assertError(await form(`${server.url}/q/${q}`, {}), 'missing_value');
      assertError(await form(`${server.url}/q/${q}`, { value: '' }), 'missing_value');
      assertError(await form(`${server.url}/q/${q}`, { msg: '' }), 'missing_value');
      assertError(await form(`${server.url}/q/${q}`, { ttl: '5' }), 'missing_value');
      assertError(await form(`${server.url}/`, { queue: q }), 'missing_value');
      assertError(await form(`${server.url}/`, { queue: q, value: '' }), 'missing_value');
      assertError(await request(`${server.url}/q/${q}`, { method: 'POST' }), 'missing_value');
      assertError(await request(`${server.url}/q/${q}?value=`, { method: 'POST' }), 'missing_value');
      assertError(await raw(`${server.url}/q/${q}`, 'text/plain', ''), 'missing_value');
      assertError(await raw(`${server.url}/q/${q}`, 'application/octet-stream', new Uint8Array(0)), 'missing_value');
    });
  });
});

describe('malformed JSON bodies', () => {
  it('are rejected with malformed_json and nothing is stored', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const body of ['{bad', '{"a":1,}', "{'a':1}", 'undefined', '']) {
        assertError(await raw(`${server.url}/q/${q}`, 'application/json', body), 'malformed_json');
      }
      assertError(await raw(`${server.url}/?queue=${q}`, 'application/json', '{"value":'), 'malformed_json');
    });
  });
});

describe('invalid policy and status', () => {
  it('leave the queue settings as they were', async () => {
    const q = await seededQueue();
    await form(`${server.url}/p/${q}`, { policy: 'roundrobin' });
    await assertUntouched(server.url, q, async () => {
      for (const policy of ['fifo', '', 'Broadcast', 'roundrobin ']) {
        assertError(await form(`${server.url}/p/${q}`, { policy }), 'invalid_policy');
      }
      assertError(await form(`${server.url}/p/${q}`, {}), 'invalid_policy');
      for (const status of ['pause', '', 'START', 'stop!']) {
        assertError(await form(`${server.url}/control/${q}`, { status }), 'invalid_status');
      }
      assertError(await request(`${server.url}/control/${q}`, { method: 'POST' }), 'invalid_status');
    });
    assert.deepEqual(json(await request(`${server.url}/p/${q}`)), { queue: q, value: 'roundrobin' });
    assert.deepEqual(json(await request(`${server.url}/control/${q}`)), { queue: q, status: 'started' });
  });

  it('do not create a queue that did not exist', async () => {
    const q = queueName();
    await assertNoQueueCreated(server.url, async () => {
      assertError(await form(`${server.url}/p/${q}`, { policy: 'fifo' }), 'invalid_policy');
      assertError(await form(`${server.url}/control/${q}`, { status: 'pause' }), 'invalid_status');
    });
  });
});

describe('ttl', () => {
  it('rejects 0, -1, 1.5, abc, 31536001 and other non-integers everywhere', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const ttl of ['0', '-1', '1.5', 'abc', '31536001', ' 1', '1e3', '0x10', '9999999999']) {
        assertError(await form(`${server.url}/q/${q}`, { value: 'v', ttl }), 'invalid_ttl');
        assertError(await form(`${server.url}/`, { queue: q, value: 'v', ttl }), 'invalid_ttl');
        assertError(await raw(`${server.url}/q/${q}?ttl=${encodeURIComponent(ttl)}`, 'text/plain', 'v'), 'invalid_ttl');
      }
    });
  });

  it('accepts 1 and 31536000', async () => {
    const q = queueName();
    assert.equal((await form(`${server.url}/q/${q}`, { value: 'v', ttl: '31536000' })).status, 200);
    assert.equal((await form(`${server.url}/`, { queue: q, value: 'v', ttl: '1' })).status, 200);
    assert.equal((await counters(server.url, q)).published, 2);
  });
});

describe('callback names', () => {
  it('reject bad syntax and 129 characters with a plain JSON error, storing nothing', async () => {
    const q = await seededQueue();
    const bad = ['1abc', 'a-b', 'a..b', 'a.', '.a', 'alert(1)', 'a b', 'a;b', 'a[0]', `c${'a'.repeat(128)}`];
    await assertUntouched(server.url, q, async () => {
      for (const callback of bad) {
        const cb = encodeURIComponent(callback);
        assertError(await form(`${server.url}/q/${q}`, { value: 'v', callback }), 'invalid_callback');
        assertError(await form(`${server.url}/`, { queue: q, value: 'v', callback }), 'invalid_callback');
        assertError(await request(`${server.url}/q/${q}?callback=${cb}`), 'invalid_callback');
        assertError(await request(`${server.url}/q/${q}?callback=${cb}`, { method: 'DELETE' }), 'invalid_callback');
        assertError(await request(`${server.url}/stats/${q}?callback=${cb}`), 'invalid_callback');
        assertFlatError(await form(`${server.url}/queue?callback=${cb}`, { body: JSON.stringify({ cmd: 'take', queue: q }) }), 'invalid_callback');
      }
    });
  });
});

describe('unsupported content types', () => {
  it('answer 415 and store nothing', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const type of ['text/xml', 'application/xml', 'image/png', 'multipart/form-data; boundary=x']) {
        assertError(await raw(`${server.url}/q/${q}`, type, 'value=v'), 'unsupported_media_type');
        assertError(await raw(`${server.url}/`, type, `queue=${q}&value=v`), 'unsupported_media_type');
        assertFlatError(await raw(`${server.url}/queue`, type, JSON.stringify({ cmd: 'add', queue: q, value: 'v' })), 'unsupported_media_type');
      }
      // A body without any content type.
      assertError(await request(`${server.url}/q/${q}`, { method: 'POST', body: new Uint8Array([104, 105]) }), 'unsupported_media_type');
      // Bytes are fine as a message, not as a JSON command.
      assertFlatError(await raw(`${server.url}/queue`, 'application/octet-stream', '{}'), 'unsupported_media_type');
    });
  });

  it('invalid UTF-8 in an octet-stream body is rejected', async () => {
    const q = await seededQueue();
    await assertUntouched(server.url, q, async () => {
      for (const bytes of [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x61, 0xc0, 0xaf]]) {
        assertError(await raw(`${server.url}/q/${q}`, 'application/octet-stream', new Uint8Array(bytes)), 'invalid_utf8');
      }
    });
  });
});
