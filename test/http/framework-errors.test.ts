// Errors raised by the router before any route runs (a broken %-escape, a path parameter
// past the router's length limit) answer the catalog's JSON shape like every other error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

describe('router-level errors use the catalog shape', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('a malformed %-escape in the path answers 400 bad_request', async () => {
    const res = await fetch(`${server.url}/q/%E0%A4%A`);
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { error: { code: 'bad_request', message: 'the request could not be understood' } });
  });

  it('a queue name past the router limit (1024) answers 400 invalid_queue_name, like one past 128', async () => {
    for (const length of [129, 1025, 4000]) {
      const res = await fetch(`${server.url}/q/${'a'.repeat(length)}`);
      assert.equal(res.status, 400, `length ${length}`);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'invalid_queue_name', `length ${length}`);
    }
  });
});
